package command

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func dict(t *testing.T) *Dictionary {
	d, err := ParseDictionary([]byte(ExampleDictionary), "commands.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestValidateEncodeDecode(t *testing.T) {
	d := dict(t)
	c, _ := d.Lookup("set_heater")
	vals, err := c.Validate([]string{"on=true", "setpoint=21.5"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.Encode(vals)
	back, err := c.Decode(b)
	if err != nil || back[0].Text != "true" || back[1].Num != 21.5 {
		t.Fatalf("%+v %v", back, err)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"on=true"}, "argument setpoint (float32 -20..40) is missing"},
		{[]string{"on=maybe", "setpoint=1"}, `argument on: "maybe" is not true or false`},
		{[]string{"on=true", "setpoint=99"}, "argument setpoint: 99 is outside -20..40 degC"},
		{[]string{"true", "1", "2"}, "takes 2 arguments, got 3"},
		{[]string{"on=true", "setpoint=1", "x=1"}, `has no argument "x"`},
	} {
		if _, err := c.Validate(bad.args); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: got %v, want %q", bad.args, err, bad.want)
		}
	}
	m, _ := d.Lookup("SET_MODE")
	if _, err := m.Validate([]string{"turbo"}); err == nil || !strings.Contains(err.Error(), "not one of nominal, safe, science") {
		t.Errorf("enum: %v", err)
	}
	// a corrupted enum index never decodes
	if _, err := m.Decode([]byte{7}); err == nil {
		t.Errorf("enum index 7 decoded")
	}
}

func TestDictionaryErrors(t *testing.T) {
	bad := "commands:\n  - name: A\n    opcode: 1\n  - name: B\n    opcode: 1\n    args:\n      - {name: x, type: complex}\n"
	_, err := ParseDictionary([]byte(bad), "d.yaml")
	if err == nil || !strings.Contains(err.Error(), "d.yaml:4: commands[1]: opcode 0x1 of B is also A's") ||
		!strings.Contains(err.Error(), `unknown type "complex"`) {
		t.Fatalf("got %v", err)
	}
}

func TestHistory(t *testing.T) {
	h, err := OpenHistory(filepath.Join(t.TempDir(), "h.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, _ := h.Queue(Record{Sat: 1, Name: "PING", Time: now})
	b, _ := h.Queue(Record{Sat: 1, Name: "PING", Time: now})
	if a != 1 || b != 2 {
		t.Fatalf("ids %d %d", a, b)
	}
	h.Stage(a, 1, Sent, now, "X", "")
	h.Stage(a, 1, Received, now, "X", "")
	h.Stage(a, 1, Executed, now, "X", "")
	p, _ := h.Pending(1)
	if len(p) != 1 || p[0].ID != b {
		t.Fatalf("pending %+v", p)
	}
	all, _ := h.Commands()
	if all[0].State() != Executed || len(all[0].Stages) != 4 {
		t.Fatalf("%+v", all[0])
	}
	// a late "received" (retransmitted) never undoes "executed"
	h.Stage(a, 1, Received, now, "Y", "")
	all, _ = h.Commands()
	if all[0].State() != Executed {
		t.Fatalf("state %s after a late receipt", all[0].State())
	}
}

func FuzzDictionary(f *testing.F) {
	f.Add([]byte(ExampleDictionary))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDictionary(b, "fuzz.yaml")
		if err != nil {
			return
		}
		for _, c := range d.Commands {
			args := make([]string, len(c.Args))
			for i := range args {
				args[i] = "1"
			}
			if vals, err := c.Validate(args); err == nil {
				enc, _ := c.Encode(vals)
				c.Decode(enc)
			}
			c.Decode(b)
		}
	})
}
