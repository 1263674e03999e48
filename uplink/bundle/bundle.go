// Package bundle encodes and decodes Bundle Protocol version 7 bundles
// (RFC 9171): an indefinite-length CBOR array of a primary block and
// canonical blocks, the payload block last, each block optionally with a
// CRC-16 (X.25) or CRC-32C over its own encoding. Decoding checks the
// RFC's rules and every CRC, and every error names the byte offset.
package bundle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// CRC types.
const (
	CRCNone = 0
	CRC16   = 1 // CRC-16 X.25
	CRC32C  = 2
)

// Block types.
const (
	TypePayload      = 1
	TypePreviousNode = 6
	TypeBundleAge    = 7
	TypeHopCount     = 10
	TypeBIB          = 11
	TypeBCB          = 12
)

// Primary block flags (RFC 9171 4.2.3).
const (
	FlagFragment       = 0x000001
	FlagAdminRecord    = 0x000002
	FlagNoFragment     = 0x000004
	FlagAckRequested   = 0x000020
	FlagStatusTime     = 0x000040
	FlagReportDelivery = 0x020000
)

// MaxBundle bounds what Decode accepts.
const MaxBundle = 16 << 20

// MaxBlocks is the most canonical blocks a bundle may have. Real bundles
// carry a handful (payload, previous node, hop count, age, a few security
// blocks); without a bound, 16 MiB of empty blocks made nearly a gigabyte
// of decoded blocks.
const MaxBlocks = 64

// EID is an endpoint id: dtn:none, dtn://node/service, or ipn:node.service.
type EID struct {
	Scheme  uint64 // 1 dtn, 2 ipn
	SSP     string // dtn: the part after "dtn:" ("none" for dtn:none)
	Node    uint64 // ipn
	Service uint64 // ipn
}

// None is dtn:none.
var None = EID{Scheme: 1, SSP: "none"}

// IPN returns ipn:node.service.
func IPN(node, service uint64) EID { return EID{Scheme: 2, Node: node, Service: service} }

func (e EID) String() string {
	switch e.Scheme {
	case 1:
		return "dtn:" + e.SSP
	case 2:
		return fmt.Sprintf("ipn:%d.%d", e.Node, e.Service)
	}
	return fmt.Sprintf("scheme%d:?", e.Scheme)
}

// ParseEID reads "ipn:N.S", "dtn:none" or "dtn://node/service".
func ParseEID(s string) (EID, error) {
	switch {
	case s == "dtn:none":
		return None, nil
	case strings.HasPrefix(s, "dtn://"):
		if len(s) <= 6 || len(s) > 1024 {
			return EID{}, fmt.Errorf("endpoint %q: empty or too long", s)
		}
		return EID{Scheme: 1, SSP: s[4:]}, nil
	case strings.HasPrefix(s, "ipn:"):
		n, svc, ok := strings.Cut(s[4:], ".")
		node, err1 := strconv.ParseUint(n, 10, 64)
		service, err2 := strconv.ParseUint(svc, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return EID{}, fmt.Errorf("endpoint %q: want ipn:node.service", s)
		}
		return IPN(node, service), nil
	}
	return EID{}, fmt.Errorf("endpoint %q: want ipn:N.S, dtn://node/service or dtn:none", s)
}

// Append appends the EID's CBOR encoding.
func (e EID) Append(b []byte) []byte {
	b = cbor.AppendArray(b, 2)
	b = cbor.AppendUint(b, e.Scheme)
	switch e.Scheme {
	case 1:
		if e.SSP == "none" {
			return cbor.AppendUint(b, 0)
		}
		return cbor.AppendText(b, e.SSP)
	default:
		b = cbor.AppendArray(b, 2)
		b = cbor.AppendUint(b, e.Node)
		return cbor.AppendUint(b, e.Service)
	}
}

// DecodeEID reads an EID.
func DecodeEID(d *cbor.Decoder) (EID, error) {
	at := d.Offset()
	n, err := d.ArrayLen()
	if err != nil {
		return EID{}, err
	}
	if n != 2 {
		return EID{}, &cbor.Error{Offset: at, Msg: fmt.Sprintf("an endpoint id is a 2-item array, not %d", n)}
	}
	scheme, err := d.Uint()
	if err != nil {
		return EID{}, err
	}
	switch scheme {
	case 1:
		if b, ok := d.Peek(); ok && b == 0x00 {
			d.Uint()
			return None, nil
		}
		ssp, err := d.Text()
		if err != nil {
			return EID{}, err
		}
		if !strings.HasPrefix(ssp, "//") {
			return EID{}, &cbor.Error{Offset: at, Msg: fmt.Sprintf("dtn endpoint %q does not start with //", ssp)}
		}
		return EID{Scheme: 1, SSP: ssp}, nil
	case 2:
		at2 := d.Offset()
		if n, err := d.ArrayLen(); err != nil || n != 2 {
			if err == nil {
				err = &cbor.Error{Offset: at2, Msg: "an ipn endpoint is [node, service]"}
			}
			return EID{}, err
		}
		node, err := d.Uint()
		if err != nil {
			return EID{}, err
		}
		svc, err := d.Uint()
		if err != nil {
			return EID{}, err
		}
		return IPN(node, svc), nil
	}
	return EID{}, &cbor.Error{Offset: at, Msg: fmt.Sprintf("unknown endpoint scheme %d", scheme)}
}

// Primary is the primary block.
type Primary struct {
	Flags    uint64
	CRCType  uint8
	Dest     EID
	Source   EID
	ReportTo EID
	Created  uint64 // ms since 2000-01-01 UTC (0: no clock)
	Seq      uint64
	Lifetime uint64 // ms
	FragOff  uint64 // with FlagFragment
	TotalADU uint64
}

// Block is a canonical block.
type Block struct {
	Type    uint64
	Number  uint64
	Flags   uint64
	CRCType uint8
	Data    []byte // block-type-specific data
}

// Bundle is a primary block and canonical blocks (the payload last).
type Bundle struct {
	Primary Primary
	Blocks  []Block
}

// Payload returns the payload block (nil if missing).
func (b *Bundle) Payload() *Block {
	for i := range b.Blocks {
		if b.Blocks[i].Type == TypePayload {
			return &b.Blocks[i]
		}
	}
	return nil
}

// Block returns the block numbered n (nil if none).
func (b *Bundle) Block(n uint64) *Block {
	for i := range b.Blocks {
		if b.Blocks[i].Number == n {
			return &b.Blocks[i]
		}
	}
	return nil
}

// crcField appends a zeroed CRC field, computes the CRC over the block's
// encoding from start and fills it in.
func appendCRC(b []byte, start int, t uint8) []byte {
	switch t {
	case CRC16:
		b = cbor.AppendBytes(b, []byte{0, 0})
		c := ax25.FCS(b[start:])
		binary.BigEndian.PutUint16(b[len(b)-2:], c)
	case CRC32C:
		b = cbor.AppendBytes(b, []byte{0, 0, 0, 0})
		c := crc32.Checksum(b[start:], crc32.MakeTable(crc32.Castagnoli))
		binary.BigEndian.PutUint32(b[len(b)-4:], c)
	}
	return b
}

// AppendPrimary appends the primary block's encoding.
func (p *Primary) Append(b []byte) []byte {
	start := len(b)
	n := 8
	if p.Flags&FlagFragment != 0 {
		n += 2
	}
	if p.CRCType != CRCNone {
		n++
	}
	b = cbor.AppendArray(b, n)
	b = cbor.AppendUint(b, 7)
	b = cbor.AppendUint(b, p.Flags)
	b = cbor.AppendUint(b, uint64(p.CRCType))
	b = p.Dest.Append(b)
	b = p.Source.Append(b)
	b = p.ReportTo.Append(b)
	b = cbor.AppendArray(b, 2)
	b = cbor.AppendUint(b, p.Created)
	b = cbor.AppendUint(b, p.Seq)
	b = cbor.AppendUint(b, p.Lifetime)
	if p.Flags&FlagFragment != 0 {
		b = cbor.AppendUint(b, p.FragOff)
		b = cbor.AppendUint(b, p.TotalADU)
	}
	return appendCRC(b, start, p.CRCType)
}

// Append appends the block's encoding.
func (k *Block) Append(b []byte) []byte {
	start := len(b)
	n := 5
	if k.CRCType != CRCNone {
		n++
	}
	b = cbor.AppendArray(b, n)
	b = cbor.AppendUint(b, k.Type)
	b = cbor.AppendUint(b, k.Number)
	b = cbor.AppendUint(b, k.Flags)
	b = cbor.AppendUint(b, uint64(k.CRCType))
	b = cbor.AppendBytes(b, k.Data)
	return appendCRC(b, start, k.CRCType)
}

// Encode returns the bundle's encoding. It checks the rules Decode checks.
func (b *Bundle) Encode() ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	out := []byte{0x9f}
	out = b.Primary.Append(out)
	for i := range b.Blocks {
		out = b.Blocks[i].Append(out)
	}
	return append(out, cbor.Break), nil
}

func (b *Bundle) check() error {
	if len(b.Blocks) == 0 || b.Blocks[len(b.Blocks)-1].Type != TypePayload || b.Blocks[len(b.Blocks)-1].Number != 1 {
		return errors.New("bundle: the last block must be the payload block, number 1")
	}
	seen := map[uint64]bool{}
	for _, k := range b.Blocks {
		if k.Number == 0 || seen[k.Number] {
			return fmt.Errorf("bundle: block number %d is zero or used twice", k.Number)
		}
		if k.Type == TypePayload && k.Number != 1 {
			return errors.New("bundle: more than one payload block")
		}
		if k.CRCType > CRC32C {
			return fmt.Errorf("bundle: block %d: unknown CRC type %d", k.Number, k.CRCType)
		}
		seen[k.Number] = true
	}
	if b.Primary.CRCType > CRC32C {
		return fmt.Errorf("bundle: primary block: unknown CRC type %d", b.Primary.CRCType)
	}
	// RFC 9171 4.4.2: at most one bundle age block, well formed. (That a
	// bundle of creation time 0 must have one is a node's to enforce when
	// it takes the bundle: the codec reads RFC 9173's own examples, which
	// have creation time 0 and none.)
	ages := 0
	for _, k := range b.Blocks {
		if k.Type == TypeBundleAge {
			ages++
			if _, err := k.Age(); err != nil {
				return err
			}
		}
	}
	if ages > 1 {
		return errors.New("bundle: more than one bundle age block")
	}
	return nil
}

// Age reads a bundle age block's data: the milliseconds the bundle has
// existed since its creation.
func (k *Block) Age() (uint64, error) {
	if k.Type != TypeBundleAge {
		return 0, fmt.Errorf("bundle: block %d is not a bundle age block", k.Number)
	}
	d := cbor.NewDecoder(k.Data, 0)
	v, err := d.Uint()
	if err != nil || !d.Done() {
		return 0, fmt.Errorf("bundle: block %d: the bundle age is not one unsigned integer", k.Number)
	}
	return v, nil
}

// AgeBlock returns a bundle age block numbered n saying ms milliseconds.
func AgeBlock(n uint64, ms uint64) Block {
	return Block{Type: TypeBundleAge, Number: n, CRCType: CRC32C, Data: cbor.AppendUint(nil, ms)}
}

// Age is the bundle's age from its age block (false: it has none).
func (b *Bundle) Age() (uint64, bool) {
	for i := range b.Blocks {
		if b.Blocks[i].Type == TypeBundleAge {
			v, err := b.Blocks[i].Age()
			return v, err == nil
		}
	}
	return 0, false
}

// Errors that Decode wraps.
var (
	ErrCRC     = errors.New("CRC mismatch")
	ErrVersion = errors.New("not bundle protocol version 7")
)

// checkCRC verifies the CRC of a block whose encoding is enc (the CRC
// field last).
func checkCRC(enc []byte, t uint64, at int, what string) error {
	var want, got uint32
	var n int
	switch t {
	case CRCNone:
		return nil
	case CRC16:
		n = 2
	case CRC32C:
		n = 4
	default:
		return &cbor.Error{Offset: at, Msg: fmt.Sprintf("%s: unknown CRC type %d", what, t)}
	}
	if len(enc) < n+1 || enc[len(enc)-n-1] != byte(0x40|n) {
		return &cbor.Error{Offset: at, Msg: fmt.Sprintf("%s: the CRC field is not a %d-byte string", what, n)}
	}
	zeroed := append([]byte(nil), enc...)
	clear(zeroed[len(zeroed)-n:])
	if n == 2 {
		want, got = uint32(binary.BigEndian.Uint16(enc[len(enc)-2:])), uint32(ax25.FCS(zeroed))
	} else {
		want, got = binary.BigEndian.Uint32(enc[len(enc)-4:]), crc32.Checksum(zeroed, crc32.MakeTable(crc32.Castagnoli))
	}
	if want != got {
		return errors.Join(&cbor.Error{Offset: at, Msg: fmt.Sprintf("%s: CRC %#x, computed %#x", what, want, got)}, ErrCRC)
	}
	return nil
}

// Decode reads a bundle, checking its structure and every CRC.
func Decode(data []byte) (*Bundle, error) {
	if len(data) > MaxBundle {
		return nil, fmt.Errorf("bundle: %d bytes, over the %d limit", len(data), MaxBundle)
	}
	d := cbor.NewDecoder(data, 0)
	at := d.Offset()
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n != -1 {
		return nil, &cbor.Error{Offset: at, Msg: "a bundle is an indefinite-length array"}
	}
	b := &Bundle{}
	if err := decodePrimary(d, &b.Primary); err != nil {
		return nil, err
	}
	for {
		c, ok := d.Peek()
		if !ok {
			return nil, errors.Join(&cbor.Error{Offset: d.Offset(), Msg: "the bundle never ends (no break)"}, cbor.ErrTruncated)
		}
		if c == cbor.Break {
			d.Skip0()
			break
		}
		if len(b.Blocks) == MaxBlocks {
			return nil, &cbor.Error{Offset: d.Offset(), Msg: fmt.Sprintf("more than %d blocks", MaxBlocks)}
		}
		var k Block
		if err := decodeBlock(d, &k); err != nil {
			return nil, err
		}
		b.Blocks = append(b.Blocks, k)
	}
	if !d.Done() {
		return nil, &cbor.Error{Offset: d.Offset(), Msg: fmt.Sprintf("%d bytes after the bundle", len(d.Rest()))}
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	return b, nil
}

func decodePrimary(d *cbor.Decoder, p *Primary) error {
	at := d.Offset()
	start := len(d.Rest())
	full := d.Rest()
	n, err := d.ArrayLen()
	if err != nil {
		return err
	}
	if n < 8 || n > 11 {
		return &cbor.Error{Offset: at, Msg: fmt.Sprintf("primary block of %d items (8-11)", n)}
	}
	v, err := d.Uint()
	if err != nil {
		return err
	}
	if v != 7 {
		return errors.Join(&cbor.Error{Offset: at, Msg: fmt.Sprintf("version %d", v)}, ErrVersion)
	}
	if p.Flags, err = d.Uint(); err != nil {
		return err
	}
	crcT, err := d.Uint()
	if err != nil {
		return err
	}
	p.CRCType = uint8(min(crcT, 255))
	want := 8
	if p.Flags&FlagFragment != 0 {
		want += 2
	}
	if crcT != CRCNone {
		want++
	}
	if n != want {
		return &cbor.Error{Offset: at, Msg: fmt.Sprintf("primary block of %d items, its flags and CRC type say %d", n, want)}
	}
	for _, e := range []*EID{&p.Dest, &p.Source, &p.ReportTo} {
		if *e, err = DecodeEID(d); err != nil {
			return err
		}
	}
	ts := d.Offset()
	if k, err := d.ArrayLen(); err != nil || k != 2 {
		if err == nil {
			err = &cbor.Error{Offset: ts, Msg: "the creation timestamp is [time, sequence]"}
		}
		return err
	}
	if p.Created, err = d.Uint(); err != nil {
		return err
	}
	if p.Seq, err = d.Uint(); err != nil {
		return err
	}
	if p.Lifetime, err = d.Uint(); err != nil {
		return err
	}
	if p.Flags&FlagFragment != 0 {
		if p.FragOff, err = d.Uint(); err != nil {
			return err
		}
		if p.TotalADU, err = d.Uint(); err != nil {
			return err
		}
	}
	if crcT != CRCNone {
		if _, err := d.Bytes(); err != nil {
			return err
		}
	}
	enc := full[:start-len(d.Rest())]
	return checkCRC(enc, crcT, at, "primary block")
}

func decodeBlock(d *cbor.Decoder, k *Block) error {
	at := d.Offset()
	full := d.Rest()
	n, err := d.ArrayLen()
	if err != nil {
		return err
	}
	if n != 5 && n != 6 {
		return &cbor.Error{Offset: at, Msg: fmt.Sprintf("canonical block of %d items (5 or 6)", n)}
	}
	if k.Type, err = d.Uint(); err != nil {
		return err
	}
	if k.Number, err = d.Uint(); err != nil {
		return err
	}
	if k.Flags, err = d.Uint(); err != nil {
		return err
	}
	crcT, err := d.Uint()
	if err != nil {
		return err
	}
	k.CRCType = uint8(min(crcT, 255))
	if (crcT == CRCNone) != (n == 5) {
		return &cbor.Error{Offset: at, Msg: fmt.Sprintf("block of %d items with CRC type %d", n, crcT)}
	}
	if k.Data, err = d.Bytes(); err != nil {
		return err
	}
	if crcT != CRCNone {
		if _, err := d.Bytes(); err != nil {
			return err
		}
	}
	enc := full[:len(full)-len(d.Rest())]
	return checkCRC(enc, crcT, at, fmt.Sprintf("block %d", k.Number))
}

// TypeClass is ipgs's class-of-service extension block (a private-use
// type, RFC 9171 9.1): its data is a CBOR unsigned integer, 0 bulk, 1
// normal, 2 expedited. A bundle without it is normal.
const TypeClass = 192

// ID identifies a bundle (RFC 9171 5.6.2's source, creation time and
// sequence number, plus the fragment offset of a fragment).
func (p *Primary) ID() string {
	id := p.Source.String() + "/" + strconv.FormatUint(p.Created, 10) + "/" + strconv.FormatUint(p.Seq, 10)
	if p.Flags&FlagFragment != 0 {
		id += "/" + strconv.FormatUint(p.FragOff, 10)
	}
	return id
}

// Class reads the class-of-service block: 1 (normal) when there is none
// or it does not decode.
func (b *Bundle) Class() uint64 {
	for _, k := range b.Blocks {
		if k.Type == TypeClass {
			if v, err := cbor.NewDecoder(k.Data, 0).Uint(); err == nil && v <= 2 {
				return v
			}
		}
	}
	return 1
}

// SetClass adds or replaces the class-of-service block.
func (b *Bundle) SetClass(c uint64) {
	data := cbor.AppendUint(nil, c)
	for i := range b.Blocks {
		if b.Blocks[i].Type == TypeClass {
			b.Blocks[i].Data = data
			return
		}
	}
	var top uint64 = 1
	for _, k := range b.Blocks {
		top = max(top, k.Number)
	}
	k := Block{Type: TypeClass, Number: top + 1, CRCType: CRC32C, Data: data}
	n := len(b.Blocks)
	b.Blocks = append(b.Blocks[:n-1:n-1], k, b.Blocks[n-1])
}
