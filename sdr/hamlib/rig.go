package hamlib

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rig is a radio behind rigctld.
type Rig struct{ c conn }

// DialRig returns a rig client for a rigctld at addr (host:port); wait
// bounds every command (0: 3 s). It connects on first use.
func DialRig(addr string, wait time.Duration) *Rig {
	if wait <= 0 {
		wait = defaultWait
	}
	return &Rig{c: conn{addr: addr, wait: wait}}
}

// Close closes the connection.
func (r *Rig) Close() error { return r.c.Close() }

// Frequency returns the current frequency in Hz.
func (r *Rig) Frequency(ctx context.Context) (float64, error) {
	rep, err := r.c.do(ctx, "get_freq", "f")
	if err != nil {
		return 0, err
	}
	return r.number("get_freq", rep, "Frequency")
}

// SetFrequency tunes to hz.
func (r *Rig) SetFrequency(ctx context.Context, hz float64) error {
	if !(hz > 0 && hz < 1e12) {
		return &Error{Endpoint: r.c.addr, Cmd: "set_freq", Err: ErrInvalidArg, Detail: fmt.Sprintf("%g Hz", hz)}
	}
	_, err := r.c.do(ctx, "set_freq", "F", strconv.FormatFloat(math.Round(hz), 'f', 0, 64))
	return err
}

// Mode returns the mode (FM, USB, ...) and passband (Hz).
func (r *Rig) Mode(ctx context.Context) (string, int, error) {
	rep, err := r.c.do(ctx, "get_mode", "m")
	if err != nil {
		return "", 0, err
	}
	pb, err := r.number("get_mode", rep, "Passband")
	return rep.Get("Mode"), int(pb), err
}

// SetMode sets mode and passband (0: the rig's default for the mode).
func (r *Rig) SetMode(ctx context.Context, mode string, passband int) error {
	_, err := r.c.do(ctx, "set_mode", "M", strings.ToUpper(mode), strconv.Itoa(passband))
	return err
}

// VFO returns the current VFO.
func (r *Rig) VFO(ctx context.Context) (string, error) {
	rep, err := r.c.do(ctx, "get_vfo", `\get_vfo`)
	if err != nil {
		return "", err
	}
	return rep.Get("VFO"), nil
}

// SetVFO selects a VFO (VFOA, VFOB, Main, Sub, ...).
func (r *Rig) SetVFO(ctx context.Context, vfo string) error {
	_, err := r.c.do(ctx, "set_vfo", "V", vfo)
	return err
}

// PTT keys (true) or unkeys the transmitter.
func (r *Rig) PTT(ctx context.Context, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	_, err := r.c.do(ctx, "set_ptt", "T", v)
	return err
}

// Split returns whether split is on and the TX VFO.
func (r *Rig) Split(ctx context.Context) (bool, string, error) {
	rep, err := r.c.do(ctx, "get_split_vfo", "s")
	if err != nil {
		return false, "", err
	}
	return rep.Get("Split") == "1", rep.Get("TX VFO"), nil
}

// SetSplit turns split on or off with txVFO transmitting.
func (r *Rig) SetSplit(ctx context.Context, on bool, txVFO string) error {
	v := "0"
	if on {
		v = "1"
	}
	_, err := r.c.do(ctx, "set_split_vfo", "S", v, txVFO)
	return err
}

// CheckVFO reports whether rigctld runs in VFO mode (-o): then commands
// take a VFO argument. Its reply is one line without RPRT.
func (r *Rig) CheckVFO(ctx context.Context) (bool, error) {
	lines, err := r.c.roundTrip(ctx, "chk_vfo", `+\chk_vfo`, func(string) bool { return true })
	if err != nil {
		return false, err
	}
	k, v, ok := strings.Cut(lines[0], ":")
	if !ok || strings.TrimSpace(k) != "ChkVFO" {
		r.c.Close()
		return false, &Error{Endpoint: r.c.addr, Cmd: "chk_vfo", Err: ErrBadReply, Detail: trunc(lines[0])}
	}
	return strings.TrimSpace(v) == "1", nil
}

func (r *Rig) number(cmd string, rep *Reply, key string) (float64, error) {
	s := rep.Get(key)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, &Error{Endpoint: r.c.addr, Cmd: cmd, Err: ErrBadReply, Detail: fmt.Sprintf("%s %q is not a number", key, s)}
	}
	return v, nil
}
