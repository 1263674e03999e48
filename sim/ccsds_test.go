package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/kiss"
)

// ccsdsMission is the example mission with drones 9 to 12 speaking
// CCSDS: the concatenated code (two of them), Reed-Solomon alone at
// depth 2, and no coding and no FECF (SDLS's MAC is then the only check
// that catches a damaged frame).
func ccsdsMission(t testing.TB) *mission.Mission {
	m, _ := exampleMission(t)
	off := false
	profiles := map[string]*mission.CCSDSConfig{
		"DRONE-09": {SCID: 0x109},
		"DRONE-10": {SCID: 0x110, Coding: "rs+conv"},
		"DRONE-11": {SCID: 0x111, Coding: "rs", Interleave: 2},
		"DRONE-12": {SCID: 0x112, Coding: "none", FECF: &off, FrameLength: 256},
	}
	for i := range m.Satellites {
		if p, ok := profiles[m.Satellites[i].Name]; ok {
			m.Satellites[i].Protocol, m.Satellites[i].CCSDS = mission.ProtocolCCSDS, p
		}
	}
	return m
}

// TestDayCCSDS flies a day with four CCSDS drones among the AX.25 ones,
// the link secured (SDLS keyed by the post-quantum handshake), 10 % of
// frames lost each way and bit errors, while an attacker on Tromso's
// port sends every TC frame the station sent again, and again with a
// bit of its ciphertext flipped (its FECF made good). Every telemetry
// packet is on the ground or onboard; every command reaches a final
// state, each was received onboard once and in the order queued, and
// its history has the COP-1 stages; no frame whose MAC failed was used
// (the attacker's commands never run, damaged frames are refused and
// counted).
func TestDayCCSDS(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated day")
	}
	synctest.Test(t, func(t *testing.T) {
		m := ccsdsMission(t)
		_, els := exampleMission(t)
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
		res, err := RunDay(ctx, DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 24 * time.Hour, Speed: 2000,
			Faults:   Faults{FrameLoss: 0.10, BitErrors: 0.05, Reboots: []Reboot{{NORAD: 90010, At: start.Add(7 * time.Hour)}}},
			InMemory: true, DataDir: t.TempDir(), Seed: 21, Queue: queueSome(start), Out: testWriter{t}, Security: sec,
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
				attacks.Go(func() { io.Copy(io.Discard, c) })
				attacks.Go(func() { replayTC(ctx, c, &mu, &captured) })
			},
		})
		cancel()
		attacks.Wait()
		if err != nil {
			t.Fatal(err)
		}
		checkDay(t, res)
		checkCommands(t, res)
		ccsds := map[int]bool{90009: true, 90010: true, 90011: true, 90012: true}
		queued := map[int][]uint32{}
		for _, c := range res.Commands {
			queued[c.Sat] = append(queued[c.Sat], c.ID)
			if !ccsds[c.Sat] {
				continue
			}
			var stages []string
			for _, s := range c.Stages {
				stages = append(stages, s.Stage)
			}
			for _, want := range []string{command.Accepted, command.Sent, command.Acknowledged} {
				if !slices.Contains(stages, want) {
					t.Errorf("command %d for %d: stages %v, no %s", c.ID, c.Sat, stages, want)
				}
			}
		}
		for _, o := range res.Onboard {
			want := queued[o.NORAD]
			slices.Sort(want)
			if ccsds[o.NORAD] {
				// COP-1: each command received once, in the order queued
				if !slices.Equal(o.Order, want) {
					t.Errorf("%s received commands %v, queued %v", o.Name, o.Order, want)
				}
			}
		}
		macGround, acked, alerts, lockouts := 0, 0, 0, 0
		for _, r := range res.Reports {
			if ccsds[r.Sat] {
				macGround += r.MACFailed
				acked += r.CommandsAcked
				alerts += r.COPAlerts
				lockouts += r.Lockouts
			}
		}
		st := res.Stats
		t.Logf("CCSDS: %d commands acknowledged by CLCW, %d COP-1 alerts, %d lockouts; downlink frames damaged %d: %d corrected (%d RS symbols), %d beyond the code; MAC failures: %d at the stations, %d onboard; onboard refused %+v",
			acked, alerts, lockouts, st.CorruptDown, st.Corrected, st.RSSymbolsFixed, st.Uncorrectable, macGround, st.Security.Forged, st.Security)
		if st.Corrected == 0 || st.Uncorrectable == 0 {
			t.Errorf("the coding was not exercised: %d corrected, %d not", st.Corrected, st.Uncorrectable)
		}
		if macGround == 0 {
			t.Error("no damaged frame reached a station's MAC check (DRONE-12 has neither coding nor FECF)")
		}
		if st.Security.Forged == 0 {
			t.Error("the attacker's flipped frames were not refused by their MAC onboard")
		}
		if st.Security.Replayed == 0 {
			t.Error("the attacker's replays were not refused")
		}
	})
}

// replayTC sends every TC frame captured from the station again, and a
// copy with a ciphertext bit flipped and its FECF recomputed (so only the
// MAC can tell).
func replayTC(ctx context.Context, c net.Conn, mu *sync.Mutex, captured *[][]byte) {
	defer c.Close()
	w := kiss.NewWriter(c)
	sent := 0
	for ctx.Err() == nil {
		mu.Lock()
		frames := slices.Clone((*captured)[sent:])
		sent = len(*captured)
		mu.Unlock()
		for _, raw := range frames {
			kiss.ReadData(bytes.NewReader(raw), kiss.MaxFrame, func(_ uint8, d []byte) bool {
				if len(d) < 40 || d[0]>>6 != 0 || (binary.BigEndian.Uint16(d[2:])>>10)&0x3f != 0 {
					return true // AX.25, or not the mission's TC channel
				}
				w.Data(0, d)
				bad := bytes.Clone(d)
				bad[25] ^= 0x10
				binary.BigEndian.PutUint16(bad[len(bad)-2:], fecf.CRC16(bad[:len(bad)-2]))
				w.Data(0, bad)
				return true
			})
		}
		time.Sleep(100 * time.Microsecond)
	}
}
