package control

import (
	"bytes"
	"strings"
	"testing"
)

func TestRosterRefusals(t *testing.T) {
	_, pub, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{`{"users":[{"name":"a b","role":"operator","nkey":"` + pub + `"}]}`, "users[0]: user \"a b\": a name is"},
		{`{"users":[{"name":"ab","role":"admin","nkey":"` + pub + `"}]}`, "unknown role \"admin\""},
		{`{"users":[{"name":"ab","role":"viewer","nkey":"SUAB"}]}`, "not a public user NKey"},
		{`{"users":[{"name":"ab","role":"viewer","nkey":"` + pub + `"},{"name":"ab","role":"operator","nkey":"` + pub + `"}]}`, "users[1]: ab appears twice"},
		{`{"users":[],"extra":1}`, "unknown field"},
		{`[`, "not a roster"},
	} {
		_, err := ReadRoster(strings.NewReader(c.in), "roster.json")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "roster.json: ") {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
}

// FuzzReadRoster: any bytes are a roster whose users all pass Check, or
// an error naming the file.
func FuzzReadRoster(f *testing.F) {
	_, pub, _ := NewKey()
	f.Add([]byte(`{"users":[{"name":"alice","role":"operator","nkey":"` + pub + `"}]}`))
	f.Add([]byte(`{"users":[{"name":"","role":"","nkey":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ro, err := ReadRoster(bytes.NewReader(b), "roster.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "roster.json: ") {
				t.Fatalf("an error that does not name the file: %v", err)
			}
			return
		}
		for _, u := range ro.Users {
			if err := u.Check(); err != nil {
				t.Fatalf("took a user that fails its check: %v", err)
			}
		}
	})
}
