package hamlib

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rig is a radio behind rigctld.
//
// rigctld started with -o (VFO mode) expects a VFO as the first argument of
// most commands, and one sent without it swallows the next line as its
// argument. The client asks \chk_vfo once, before the first such command,
// and then adds the VFO itself ("currVFO" unless one is named).
type Rig struct {
	c conn

	vmu     sync.Mutex
	vfoMode int // 0 not yet known, 1 no, 2 yes
}

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

// VFOMode reports whether rigctld runs in VFO mode (-o), asking once.
func (r *Rig) VFOMode(ctx context.Context) (bool, error) {
	r.vmu.Lock()
	defer r.vmu.Unlock()
	if r.vfoMode == 0 {
		on, err := r.CheckVFO(ctx)
		if err != nil {
			return false, err
		}
		r.vfoMode = 1
		if on {
			r.vfoMode = 2
		}
	}
	return r.vfoMode == 2, nil
}

// do runs a command that takes a VFO in VFO mode. vfo "" is the current
// one; naming a VFO on a rigctld without -o is an error rather than a
// silent switch of the operator's VFO.
func (r *Rig) doVFO(ctx context.Context, name, cmd, vfo string, args ...string) (*Reply, error) {
	on, err := r.VFOMode(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case on:
		if vfo == "" {
			vfo = "currVFO"
		}
		args = append([]string{vfo}, args...)
	case vfo != "":
		return nil, &Error{Endpoint: r.c.addr, Cmd: name, Err: ErrVFO,
			Detail: fmt.Sprintf("addressing VFO %s needs rigctld in VFO mode (-o)", vfo)}
	}
	return r.c.do(ctx, name, cmd, args...)
}

// Frequency returns the current frequency in Hz.
func (r *Rig) Frequency(ctx context.Context) (float64, error) { return r.FrequencyOf(ctx, "") }

// FrequencyOf returns the frequency of vfo ("" the current one).
func (r *Rig) FrequencyOf(ctx context.Context, vfo string) (float64, error) {
	rep, err := r.doVFO(ctx, "get_freq", "f", vfo)
	if err != nil {
		return 0, err
	}
	return r.number("get_freq", rep, "Frequency")
}

// SetFrequency tunes to hz.
func (r *Rig) SetFrequency(ctx context.Context, hz float64) error {
	return r.SetFrequencyOf(ctx, "", hz)
}

// SetFrequencyOf tunes vfo ("" the current one) to hz.
func (r *Rig) SetFrequencyOf(ctx context.Context, vfo string, hz float64) error {
	f, err := r.hz("set_freq", hz)
	if err != nil {
		return err
	}
	_, err = r.doVFO(ctx, "set_freq", "F", vfo, f)
	return err
}

// SplitFrequency returns the transmit frequency in split operation.
func (r *Rig) SplitFrequency(ctx context.Context) (float64, error) {
	rep, err := r.doVFO(ctx, "get_split_freq", "i", "")
	if err != nil {
		return 0, err
	}
	return r.number("get_split_freq", rep, "TX Frequency")
}

// SetSplitFrequency sets the transmit frequency in split operation.
func (r *Rig) SetSplitFrequency(ctx context.Context, hz float64) error {
	f, err := r.hz("set_split_freq", hz)
	if err != nil {
		return err
	}
	_, err = r.doVFO(ctx, "set_split_freq", "I", "", f)
	return err
}

func (r *Rig) hz(cmd string, hz float64) (string, error) {
	if !(hz > 0 && hz < 1e12) {
		return "", &Error{Endpoint: r.c.addr, Cmd: cmd, Err: ErrInvalidArg, Detail: fmt.Sprintf("%g Hz", hz)}
	}
	return strconv.FormatFloat(math.Round(hz), 'f', 0, 64), nil
}

// Mode returns the mode (FM, USB, ...) and passband (Hz).
func (r *Rig) Mode(ctx context.Context) (string, int, error) {
	rep, err := r.doVFO(ctx, "get_mode", "m", "")
	if err != nil {
		return "", 0, err
	}
	pb, err := r.number("get_mode", rep, "Passband")
	return rep.Get("Mode"), int(pb), err
}

// SetMode sets mode and passband (0: the rig's default for the mode).
func (r *Rig) SetMode(ctx context.Context, mode string, passband int) error {
	_, err := r.doVFO(ctx, "set_mode", "M", "", strings.ToUpper(mode), strconv.Itoa(passband))
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
	_, err := r.doVFO(ctx, "set_ptt", "T", "", v)
	return err
}

// Split returns whether split is on and the TX VFO.
func (r *Rig) Split(ctx context.Context) (bool, string, error) {
	rep, err := r.doVFO(ctx, "get_split_vfo", "s", "")
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
	_, err := r.doVFO(ctx, "set_split_vfo", "S", "", v, txVFO)
	return err
}

// CheckVFO reports whether rigctld runs in VFO mode (-o): then commands
// take a VFO argument. Its reply is one line without RPRT.
func (r *Rig) CheckVFO(ctx context.Context) (bool, error) {
	lines, err := r.c.roundTrip(ctx, "chk_vfo", `+\chk_vfo`, func(string) bool { return true })
	if errors.Is(err, ErrIO) && ctx.Err() == nil {
		// a broken connection: once more on a new one, as do does
		lines, err = r.c.roundTrip(ctx, "chk_vfo", `+\chk_vfo`, func(string) bool { return true })
	}
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

// On returns vfo ("" the current one) as something a Doppler tuner can
// drive.
func (r *Rig) On(vfo string) VFO { return VFO{r, vfo} }

// SplitTX returns the split transmit frequency as something a Doppler tuner
// can drive.
func (r *Rig) SplitTX() SplitTX { return SplitTX{r} }

// VFO is one VFO of a rig.
type VFO struct {
	r   *Rig
	vfo string
}

func (v VFO) Frequency(ctx context.Context) (float64, error) { return v.r.FrequencyOf(ctx, v.vfo) }
func (v VFO) SetFrequency(ctx context.Context, hz float64) error {
	return v.r.SetFrequencyOf(ctx, v.vfo, hz)
}

// SplitTX is a rig's split transmit frequency.
type SplitTX struct{ r *Rig }

func (s SplitTX) Frequency(ctx context.Context) (float64, error) { return s.r.SplitFrequency(ctx) }
func (s SplitTX) SetFrequency(ctx context.Context, hz float64) error {
	return s.r.SetSplitFrequency(ctx, hz)
}
