package control

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/scheduler/plan"
)

func TestPackedPlanRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	pm := PlanMsg{Version: 3, By: "pat", Why: "pins", Made: t0, Down: []string{"Perth"}, Contacts: []plan.LockEntry{
		{Sat: 90001, Station: "Tromso", Start: t0.Add(1500 * time.Millisecond), End: t0.Add(10 * time.Minute)},
		{Sat: 90002, Station: "Wallops", Start: t0.Add(time.Minute), End: t0.Add(9 * time.Minute), Pinned: true},
		{Sat: 90001, Station: "Tromso", Start: t0.Add(time.Hour), End: t0.Add(time.Hour + 5*time.Minute)},
	}}
	b, err := json.Marshal(pm)
	if err != nil {
		t.Fatal(err)
	}
	var got PlanMsg
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, pm) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, pm)
	}
	// cut anywhere: an error that says where, never a panic
	raw := packContacts(pm.Contacts)
	for i := range len(raw) {
		if _, err := unpackContacts(raw[:i]); err == nil || !strings.Contains(err.Error(), "byte") {
			t.Fatalf("cut at %d of %d: %v", i, len(raw), err)
		}
	}
}

// FuzzPackedContacts: any bytes decode or are refused with an error;
// what decodes packs back to the same contacts.
func FuzzPackedContacts(f *testing.F) {
	t0 := time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)
	f.Add(packContacts([]plan.LockEntry{{Sat: 1, Station: "A", Start: t0, End: t0.Add(time.Minute)}}))
	f.Add([]byte{1, 1, 'A', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := unpackContacts(b)
		if err != nil {
			return
		}
		again, err := unpackContacts(packContacts(cs))
		if err != nil || !reflect.DeepEqual(again, cs) {
			t.Fatalf("decoded %d contacts that do not pack back: %v", len(cs), err)
		}
	})
}
