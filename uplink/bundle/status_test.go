package bundle

import (
	"errors"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/cbor"
)

// TestStatusReport: a status report bundle of a subject that asked for
// delivery reports with times goes to the subject's report-to endpoint,
// is an administrative record, and reads back to what it asserts; a
// fragment's report carries its offset and length; a bundle that is an
// administrative record, or reports to dtn:none, asks for nothing.
func TestStatusReport(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	sub := Subject{Flags: FlagReportDelivery | FlagStatusTime, Source: IPN(1, 1), ReportTo: IPN(1, 0), Created: 849700000000, Seq: 7}
	if !sub.Wants(Delivered) || sub.Wants(Received) {
		t.Fatal("wants")
	}
	raw, err := NewStatusReport(sub, IPN(2, 0), Delivered, ReasonNone, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b.Primary.Flags&FlagAdminRecord == 0 || b.Primary.Dest != IPN(1, 0) || b.Primary.Source != IPN(2, 0) {
		t.Fatalf("primary %+v", b.Primary)
	}
	r, err := DecodeAdminRecord(b.Payload().Data)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Asserted[Delivered] || r.Asserted[Received] || r.Times[Delivered] != DTNTime(now) || r.SubjectID() != "ipn:1.1/849700000000/7" {
		t.Fatalf("report %+v", r)
	}
	// a fragment, deleted for its hop limit, no times asked
	frag := Subject{Flags: FlagFragment | FlagReportDeletion, Source: EID{Scheme: 1, SSP: "//dtn7/app"}, ReportTo: EID{Scheme: 1, SSP: "//dtn7/"}, Created: 5, Seq: 1, FragOff: 1000, PayloadLen: 500}
	raw, _ = NewStatusReport(frag, IPN(2, 0), Deleted, ReasonHopLimitExceeded, now, 2)
	b, _ = Decode(raw)
	r, err = DecodeAdminRecord(b.Payload().Data)
	if err != nil || !r.Fragment || r.FragOff != 1000 || r.FragLen != 500 || r.Reason != ReasonHopLimitExceeded || r.Times[Deleted] != 0 || r.SubjectID() != "dtn://dtn7/app/5/1/1000" {
		t.Fatalf("fragment report %+v, %v", r, err)
	}
	if (Subject{Flags: FlagAdminRecord | FlagReportDelivery, ReportTo: IPN(1, 0)}).Wants(Delivered) {
		t.Error("a report of an administrative record")
	}
	if (Subject{Flags: FlagReportDelivery, ReportTo: None}).Wants(Delivered) {
		t.Error("a report to dtn:none")
	}
	// errors name the byte
	bad := cbor.AppendArray(nil, 2)
	bad = cbor.AppendUint(bad, 9)
	var ce *cbor.Error
	if _, err := DecodeAdminRecord(bad); !errors.As(err, &ce) {
		t.Errorf("record type 9: %v", err)
	}
}

// FuzzDecodeAdminRecord: any bytes: an error or a report that encodes
// back to a record that reads the same.
func FuzzDecodeAdminRecord(f *testing.F) {
	raw, _ := NewStatusReport(Subject{Flags: FlagReportDelivery | FlagStatusTime, Source: IPN(1, 1), ReportTo: IPN(1, 0), Created: 1, Seq: 2}, IPN(2, 0), Delivered, 0, time.Unix(1e9, 0), 1)
	b, _ := Decode(raw)
	f.Add(b.Payload().Data)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeAdminRecord(data)
		if err != nil {
			return
		}
		again, err := DecodeAdminRecord(r.AppendAdminRecord(nil))
		if err != nil || again.SubjectID() != r.SubjectID() || again.Asserted != r.Asserted || again.Reason != r.Reason {
			t.Fatalf("%+v re-read as %+v, %v", r, again, err)
		}
	})
}
