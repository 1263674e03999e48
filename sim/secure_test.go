package sim

import (
	"bytes"
	"context"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/sdls"
	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/spp"
)

// TestDaySecure flies six hours with the space link secured (pqlink/sdls)
// while an attacker on Tromso's TNC port replays every frame the station
// sent (Hellos included, before and after a drone's power cycle), sends
// plain commands, forges protected ones, and answers every Hello it sees
// with junk Hello fragments under other ids and a forged fragment under
// the Hello's own. Everything the ground sent gets through; nothing of
// the attacker's is ever received onboard; every refusal is counted;
// every handshake the stations began completes; a drone that reboots
// gets a new association.
func TestDaySecure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		sec, err := NewDaySecurity(m)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		var captured [][]byte
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var attacks sync.WaitGroup
		const rogueID = 0xBADC0DE
		res, err := RunDay(ctx, DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 6 * time.Hour, Speed: 2000,
			Faults:   Faults{Reboots: []Reboot{{NORAD: 90003, At: start.Add(3 * time.Hour)}}},
			InMemory: true, DataDir: t.TempDir(), Seed: 11, Queue: queueSome(start), Out: testWriter{t}, Security: sec,
			Tap: func(station string, b []byte) {
				if station == "Tromso" {
					mu.Lock()
					captured = append(captured, b)
					mu.Unlock()
				}
			},
			Started: func(dial func(string) (net.Conn, error)) {
				c, err := dial("Tromso")
				if err != nil {
					t.Error(err)
					return
				}
				attacks.Go(func() { io.Copy(io.Discard, c) }) // what the emulator sends the station's port
				attacks.Go(func() { attack(ctx, c, &mu, &captured, rogueID) })
			},
		})
		cancel()
		attacks.Wait()
		if err != nil {
			t.Fatal(err)
		}
		lost, final := 0, 0
		for _, a := range res.Accounts {
			lost += len(a.Lost)
			if slices.Contains(a.Received, rogueID) {
				t.Errorf("%s received the attacker's command", a.Name)
			}
		}
		for _, c := range res.Commands {
			if command.Final(c.State()) {
				final++
			}
		}
		sec0 := res.Stats.Security
		t.Logf("handshakes %d (%d bytes); onboard refused: %d unauthenticated, %d forged, %d replayed, %d out of window, %d no SA; stations refused %d",
			sec0.Handshakes, res.GroundSecurity.HandshakeBytes, sec0.Unauthenticated, sec0.Forged, sec0.Replayed, sec0.OutOfWindow, sec0.UnknownSPI, res.GroundSecurity.Refused())
		if lost != 0 {
			t.Errorf("%d telemetry packets lost", lost)
		}
		if sec0.Unauthenticated == 0 || sec0.Forged == 0 || sec0.Replayed+sec0.OutOfWindow == 0 {
			t.Errorf("the attacks were not all seen and refused: %+v", sec0)
		}
		// handshakes: one per station and drone pair at first contact, more
		// after the reboot; later passes resume
		resumed, shook := 0, 0
		for _, r := range res.Reports {
			if r.Name == "DRONE-03" {
				t.Logf("%s %s %s: %d packets, handshake %d bytes in %.1f s", r.Station, r.Name, r.Start.Format("15:04"), r.Packets, r.HandshakeBytes, r.HandshakeSeconds)
			}
			switch {
			case r.HandshakeBytes > 0:
				shook++
				// a handshake that never completed (a poor pass, or a loaded
				// machine slipping the accelerated clock) lets nothing through
				if r.HandshakeSeconds <= 0 && r.Packets > 0 && r.HandshakeRenewals == 0 {
					t.Errorf("%s %s: %d packets after a handshake of %d bytes that never completed", r.Station, r.Name, r.Packets, r.HandshakeBytes)
				} else if r.HandshakeSeconds <= 0 {
					t.Logf("%s %s: handshake of %d bytes not completed in the pass", r.Station, r.Name, r.HandshakeBytes)
				}
			case r.Packets > 0:
				resumed++
			}
		}
		t.Logf("%d passes with a handshake (%.1f s each on the air at 9,600 bit/s), %d resumed", shook, float64(8*4512)/9600, resumed)
		if shook == 0 || resumed == 0 {
			t.Errorf("handshakes %d, resumed %d", shook, resumed)
		}
		if res.Stats.Security.Handshakes < shook {
			t.Errorf("onboard accepted %d handshakes, stations sent %d", res.Stats.Security.Handshakes, shook)
		}
		// the same day without security and attacks: the same commands done
		base := flyDay(t, 6*time.Hour, 2000, Faults{Reboots: []Reboot{{NORAD: 90003, At: start.Add(3 * time.Hour)}}})
		baseFinal := 0
		for _, c := range base.Commands {
			if command.Final(c.State()) {
				baseFinal++
			}
		}
		if final < baseFinal {
			t.Errorf("%d commands reached executed or failed, %d without link security", final, baseFinal)
		}
	})
}

// attack sends, while the day runs: every captured frame again, a plain
// command, and a protected frame with a flipped bit.
func attack(ctx context.Context, c net.Conn, mu *sync.Mutex, captured *[][]byte, rogueID uint32) {
	defer c.Close()
	w := kiss.NewWriter(c)
	cmd, _ := (&spp.Packet{Type: spp.TC, APID: proto.APIDCommand, Data: (&proto.Command{ID: rogueID, Opcode: 0x0301, Args: []byte{1, 35}}).Encode()}).Encode(nil)
	sent := 0
	for ctx.Err() == nil {
		mu.Lock()
		frames := slices.Clone((*captured)[sent:])
		sent = len(*captured)
		mu.Unlock()
		for _, raw := range frames {
			c.Write(raw) // replay, byte for byte
			// the same frame with a bit flipped inside the ciphertext
			var data []byte
			kiss.ReadData(bytes.NewReader(raw), kiss.MaxFrame, func(_ uint8, d []byte) bool { data = d; return false })
			f, err := ax25.Decode(data, false)
			if err == nil && len(f.Info) > 4 && f.Info[0] == sdls.TypeHello && f.Info[2] == 0 {
				// a Hello's first fragment, its id in clear: junk under
				// five other ids, and a forged last fragment under its own
				id, n := f.Info[1], f.Info[3]
				for j := range 5 {
					junk := ax25.Frame{Dst: f.Dst, Src: f.Src, Info: []byte{sdls.TypeHello, id + 1 + byte(j), 0, n, 1, 2, 3}}
					if b, err := junk.Encode(false); err == nil {
						w.Data(0, b)
					}
				}
				forged := ax25.Frame{Dst: f.Dst, Src: f.Src, Info: append([]byte{sdls.TypeHello, id, n - 1, n}, bytes.Repeat([]byte{0xA5}, 64)...)}
				if b, err := forged.Encode(false); err == nil {
					w.Data(0, b)
				}
			}
			if err == nil && len(f.Info) > 20 && f.Info[0] == sdls.TypeProtected {
				f.Info = bytes.Clone(f.Info)
				f.Info[15] ^= 0x10
				if b, err := f.Encode(false); err == nil {
					w.Data(0, b)
				}
				// and a plain command to the same drone
				plain := ax25.Frame{Dst: f.Dst, Src: f.Src, Info: cmd}
				if b, err := plain.Encode(false); err == nil {
					w.Data(0, b)
				}
			}
		}
		time.Sleep(100 * time.Microsecond) // about every 0.2 s of the day at 2000x
	}
}

// TestSlowLinkHandshake flies the AFSK 1200 drones with link security and
// the uplink paced at its bit rate: a Hello takes 32 s on the air, longer
// than the station's 30 s wait for a Confirm. Every pass's handshake
// completes and the downlink is let through. (Before the station kept
// unconfirmed Hellos and waited out their airtime, a second Hello
// orphaned the first one's Confirm and these drones sent nothing home.)
func TestSlowLinkHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		m.Satellites = slices.DeleteFunc(m.Satellites, func(sc mission.SatelliteConfig) bool { return sc.Modem != "afsk1200" })
		if len(m.Satellites) != 4 {
			t.Fatalf("%d AFSK drones in the example mission", len(m.Satellites))
		}
		els = slices.DeleteFunc(els, func(e *tle.Elements) bool { return e.CatalogNumber > 90004 })
		sec, err := NewDaySecurity(m)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		res, err := RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 8 * time.Hour, Speed: 1000,
			InMemory: true, DataDir: t.TempDir(), Seed: 5, Out: testWriter{t}, Security: sec, Bundles: &DayBundles{},
		})
		if err != nil {
			t.Fatal(err)
		}
		shook := 0
		for _, r := range res.Reports {
			if r.HandshakeBytes == 0 {
				continue
			}
			shook++
			t.Logf("%s %s %s: handshake %d bytes in %.0f s, %d packets", r.Station, r.Name, r.Start.Format("15:04"), r.HandshakeBytes, r.HandshakeSeconds, r.Packets)
			if r.HandshakeSeconds <= 0 || r.Packets == 0 {
				t.Errorf("%s %s %s: handshake of %d bytes not completed, %d packets", r.Station, r.Name, r.Start.Format("15:04"), r.HandshakeBytes, r.Packets)
			}
		}
		if shook == 0 {
			t.Fatal("no pass with a handshake")
		}
		if n := res.GroundSecurity.Refused(); n != 0 {
			t.Errorf("stations refused %d downlink frames", n)
		}
	})
}
