package sim

import (
	"fmt"
	"io"
	"time"

	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/station"
)

// Summary writes the day's accounting.
func (r *DayResult) Summary(w io.Writer) {
	fmt.Fprintf(w, "\n== %d contacts planned, %d pass reports, wall %s ==\n", len(r.Plan.Contacts), len(r.Reports), r.Wall.Round(time.Millisecond))
	fmt.Fprintf(w, "link: %d frames down (%d lost, %d corrupted), %d up (%d lost, %d corrupted), %d in error bursts, %d retransmissions (%d after a later packet was acknowledged, %d after the timeout)\n",
		r.Stats.FramesDown, r.Stats.LostDown, r.Stats.CorruptDown, r.Stats.FramesUp, r.Stats.LostUp, r.Stats.CorruptUp, r.Stats.BurstLost, r.Stats.Retransmissions,
		r.Stats.RetransmittedLost, r.Stats.RetransmittedTimeout)
	fmt.Fprintf(w, "%-8s %-10s %10s %10s %8s %6s %8s\n", "NORAD", "NAME", "GENERATED", "ON GROUND", "ONBOARD", "LOST", "OVERFLOW")
	lost := 0
	for _, a := range r.Accounts {
		fmt.Fprintf(w, "%-8d %-10s %10d %10d %8d %6d %8d\n", a.NORAD, a.Name, a.Generated, a.OnGround, a.Onboard, len(a.Lost), a.Overflow)
		lost += len(a.Lost)
	}
	final := 0
	for _, c := range r.Commands {
		if command.Final(c.State()) {
			final++
		}
	}
	fmt.Fprintf(w, "telemetry packets lost: %d; commands: %d queued, %d reached executed or failed\n", lost, len(r.Commands), final)
	if sec := r.Stats.Security; sec.Handshakes > 0 {
		fmt.Fprintf(w, "link security: %d handshakes (%d bytes up), onboard refused %d uplink frames (%d unauthenticated, %d forged, %d replayed, %d out of window, %d without association, %d untrusted); stations refused %d downlink frames\n",
			sec.Handshakes, r.GroundSecurity.HandshakeBytes, sec.Refused(), sec.Unauthenticated, sec.Forged, sec.Replayed, sec.OutOfWindow, sec.UnknownSPI, sec.Untrusted, r.GroundSecurity.Refused())
	}
	if r.Points > 0 {
		fmt.Fprintf(w, "telemetry store: %d points decoded and spooled, %d shipped to InfluxDB; %d alarms open\n", r.Points, r.Shipped, len(r.Alarms))
		for i, a := range r.Alarms {
			if i == 8 {
				fmt.Fprintf(w, "  ... and %d more (ipgs tm alarms)\n", len(r.Alarms)-i)
				break
			}
			fmt.Fprintf(w, "  %-22s %-6s %s (raised %s)\n", a.ID, a.Severity, a.Reading(), a.Raised.Format("01-02 15:04:05"))
		}
	}
}

// reportLine is the live line at the end of a contact.
func reportLine(r station.Report) string {
	hs := ""
	if r.HandshakeBytes > 0 {
		hs = fmt.Sprintf(", handshake %d B in %.0f s", r.HandshakeBytes, r.HandshakeSeconds)
	}
	if r.BundleSegsRx+r.BundleSegsTx > 0 {
		hs += fmt.Sprintf(", bundles %d up %d down (%d/%d segments)", r.BundlesTx, r.BundlesRx, r.BundleSegsTx, r.BundleSegsRx)
	}
	return fmt.Sprintf("%s  %-8s %-9s LOS  rx %4d frames %4d packets (%d dup, %d gaps), %d frame errors, tx %3d, commands %d sent %d verified%s",
		r.End.Format("01-02 15:04:05"), r.Station, r.Name, r.FramesRx, r.Packets, r.Duplicates, r.Gaps, r.FrameErrors, r.FramesTx, r.CommandsSent, r.CommandsVerified, hs)
}
