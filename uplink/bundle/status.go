package bundle

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/cbor"
)

// Bundle processing control flags that ask for status reports (RFC 9171
// 4.2.3), besides FlagStatusTime and FlagReportDelivery.
const (
	FlagReportReception  = 0x004000
	FlagReportForwarding = 0x010000
	FlagReportDeletion   = 0x040000
)

// Status is one of the four things a status report can assert.
type Status int

// Statuses, in the order of a report's status information (RFC 9171 6.1.1).
const (
	Received Status = iota
	Forwarded
	Delivered
	Deleted
)

var statusNames = [4]string{"received", "forwarded", "delivered", "deleted"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("status %d", int(s))
	}
	return statusNames[s]
}

// flag is the control flag that asks for reports of s.
func (s Status) flag() uint64 {
	return [4]uint64{FlagReportReception, FlagReportForwarding, FlagReportDelivery, FlagReportDeletion}[s]
}

// Status report reason codes (RFC 9171 6.1.1, the registry of 9.5).
const (
	ReasonNone             = 0
	ReasonLifetimeExpired  = 1
	ReasonUnidirectional   = 2
	ReasonCanceled         = 3
	ReasonDepletedStorage  = 4
	ReasonDestUnavailable  = 5
	ReasonNoRoute          = 6
	ReasonNoContact        = 7
	ReasonUnintelligible   = 8
	ReasonHopLimitExceeded = 9
	ReasonTrafficPared     = 10
	ReasonBlockUnsupported = 11
)

var reasonNames = []string{"no additional information", "lifetime expired", "forwarded over unidirectional link",
	"transmission canceled", "depleted storage", "destination endpoint ID unavailable", "no known route to destination",
	"no timely contact with next node", "block unintelligible", "hop limit exceeded", "traffic pared", "block unsupported"}

// ReasonName names a reason code.
func ReasonName(r uint64) string {
	if r < uint64(len(reasonNames)) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason %d", r)
}

// StatusReport is a bundle status report: what a node asserts of a
// subject bundle, named by its source, creation time and sequence (and
// fragment).
type StatusReport struct {
	Asserted [4]bool
	Times    [4]uint64 // DTN time (ms since 2000) of each asserted status, when the subject asked for times
	Reason   uint64
	Source   EID
	Created  uint64
	Seq      uint64
	Fragment bool
	FragOff  uint64
	FragLen  uint64
}

// SubjectID is the subject bundle's id, as Primary.ID makes it.
func (r *StatusReport) SubjectID() string {
	p := Primary{Source: r.Source, Created: r.Created, Seq: r.Seq, FragOff: r.FragOff}
	if r.Fragment {
		p.Flags |= FlagFragment
	}
	return p.ID()
}

// Subject is what a status report needs of the bundle it concerns.
type Subject struct {
	Flags      uint64 `json:"flags"`
	Source     EID    `json:"source"`
	ReportTo   EID    `json:"report_to"`
	Created    uint64 `json:"created"`
	Seq        uint64 `json:"seq"`
	FragOff    uint64 `json:"frag_off,omitempty"`
	PayloadLen uint64 `json:"payload_len,omitempty"` // a fragment's
}

// Subject is the bundle as a status report's subject.
func (b *Bundle) Subject() Subject {
	s := Subject{Flags: b.Primary.Flags, Source: b.Primary.Source, ReportTo: b.Primary.ReportTo, Created: b.Primary.Created, Seq: b.Primary.Seq}
	if s.Flags&FlagFragment != 0 {
		s.FragOff = b.Primary.FragOff
		if p := b.Payload(); p != nil {
			s.PayloadLen = uint64(len(p.Data))
		}
	}
	return s
}

// AnyReports says whether the bundle asks for any status report.
func (s Subject) AnyReports() bool {
	for st := Received; st <= Deleted; st++ {
		if s.Wants(st) {
			return true
		}
	}
	return false
}

// Wants says whether the bundle asks for reports of st: it says so in
// its flags, is not itself an administrative record (no report is ever
// made of one), and has somewhere to report to.
func (s Subject) Wants(st Status) bool {
	return s.Flags&st.flag() != 0 && s.Flags&FlagAdminRecord == 0 && s.ReportTo != None && s.ReportTo.Scheme != 0
}

// AdminRecordStatusReport is the administrative record type of a status
// report.
const AdminRecordStatusReport = 1

// AppendAdminRecord appends the report as an administrative record: the
// payload of a status report bundle.
func (r *StatusReport) AppendAdminRecord(b []byte) []byte {
	b = cbor.AppendArray(b, 2)
	b = cbor.AppendUint(b, AdminRecordStatusReport)
	n := 4
	if r.Fragment {
		n = 6
	}
	b = cbor.AppendArray(b, n)
	b = cbor.AppendArray(b, 4)
	for i, a := range r.Asserted {
		if a && r.Times[i] != 0 {
			b = cbor.AppendArray(b, 2)
			b = cbor.AppendBool(b, true)
			b = cbor.AppendUint(b, r.Times[i])
			continue
		}
		b = cbor.AppendArray(b, 1)
		b = cbor.AppendBool(b, a)
	}
	b = cbor.AppendUint(b, r.Reason)
	b = r.Source.Append(b)
	b = cbor.AppendArray(b, 2)
	b = cbor.AppendUint(b, r.Created)
	b = cbor.AppendUint(b, r.Seq)
	if r.Fragment {
		b = cbor.AppendUint(b, r.FragOff)
		b = cbor.AppendUint(b, r.FragLen)
	}
	return b
}

// DecodeAdminRecord reads an administrative record that is a status
// report; an error names what was wrong and at which byte.
func DecodeAdminRecord(data []byte) (*StatusReport, error) {
	d := cbor.NewDecoder(data, 0)
	bad := func(at int, format string, a ...any) error {
		return &cbor.Error{Offset: at, Msg: "administrative record: " + fmt.Sprintf(format, a...)}
	}
	if n, err := d.ArrayLen(); err != nil || n != 2 {
		if err != nil {
			return nil, err
		}
		return nil, bad(0, "an array of %d items, not [type, content]", n)
	}
	at := d.Offset()
	typ, err := d.Uint()
	if err != nil {
		return nil, err
	}
	if typ != AdminRecordStatusReport {
		return nil, bad(at, "type %d is not a status report (1)", typ)
	}
	at = d.Offset()
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n != 4 && n != 6 {
		return nil, bad(at, "a status report of %d items (4, or 6 for a fragment)", n)
	}
	r := &StatusReport{Fragment: n == 6}
	at = d.Offset()
	if k, err := d.ArrayLen(); err != nil || k != 4 {
		if err != nil {
			return nil, err
		}
		return nil, bad(at, "status information of %d items, not 4", k)
	}
	for i := range 4 {
		at = d.Offset()
		k, err := d.ArrayLen()
		if err != nil {
			return nil, err
		}
		if k != 1 && k != 2 {
			return nil, bad(at, "%s: a status item of %d items", Status(i), k)
		}
		if r.Asserted[i], err = d.Bool(); err != nil {
			return nil, err
		}
		if k == 2 {
			if r.Times[i], err = d.Uint(); err != nil {
				return nil, err
			}
		}
	}
	if r.Reason, err = d.Uint(); err != nil {
		return nil, err
	}
	if r.Source, err = DecodeEID(d); err != nil {
		return nil, err
	}
	at = d.Offset()
	if k, err := d.ArrayLen(); err != nil || k != 2 {
		if err != nil {
			return nil, err
		}
		return nil, bad(at, "a creation timestamp of %d items, not 2", k)
	}
	if r.Created, err = d.Uint(); err != nil {
		return nil, err
	}
	if r.Seq, err = d.Uint(); err != nil {
		return nil, err
	}
	if r.Fragment {
		if r.FragOff, err = d.Uint(); err != nil {
			return nil, err
		}
		if r.FragLen, err = d.Uint(); err != nil {
			return nil, err
		}
	}
	if !d.Done() {
		return nil, bad(d.Offset(), "bytes after the report")
	}
	return r, nil
}

// DTNTime is t as DTN time: milliseconds since 2000-01-01 UTC.
func DTNTime(t time.Time) uint64 {
	return uint64(max(0, t.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()))
}

// NewStatusReport is the status report bundle that node (its
// administrative endpoint, e.g. ipn:N.0) sends of subject asserting s
// for reason at now, numbered seq among the bundles node made that
// millisecond. It goes to the subject's report-to endpoint.
func NewStatusReport(subject Subject, node EID, s Status, reason uint64, now time.Time, seq uint64) ([]byte, error) {
	r := StatusReport{Reason: reason, Source: subject.Source, Created: subject.Created, Seq: subject.Seq}
	r.Asserted[s] = true
	if subject.Flags&FlagStatusTime != 0 {
		r.Times[s] = DTNTime(now)
	}
	if subject.Flags&FlagFragment != 0 {
		r.Fragment, r.FragOff, r.FragLen = true, subject.FragOff, subject.PayloadLen
	}
	b := &Bundle{
		Primary: Primary{Flags: FlagAdminRecord | FlagNoFragment, CRCType: CRC32C, Dest: subject.ReportTo, Source: node, ReportTo: None,
			Created: DTNTime(now), Seq: seq, Lifetime: uint64((24 * time.Hour).Milliseconds())},
		Blocks: []Block{{Type: TypePayload, Number: 1, CRCType: CRC32C, Data: r.AppendAdminRecord(nil)}},
	}
	return b.Encode()
}
