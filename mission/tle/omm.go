package tle

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Parse detects the format (OMM JSON, OMM XML, or TLE text) and parses data.
func Parse(data []byte, opt Options) Result {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{'):
		return ParseOMMJSON(data, opt)
	case len(trimmed) > 0 && trimmed[0] == '<':
		return ParseOMMXML(data, opt)
	case bytes.HasPrefix(trimmed, []byte("CCSDS_OMM_VERS")):
		return ParseOMMKVN(data, opt)
	}
	return ParseTLE(bytes.NewReader(data), opt)
}

// OMM keywords used by SGP4 (CCSDS 502.0-B-3, CelesTrak's GP data).
var ommRequired = []string{"EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
	"RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY", "NORAD_CAT_ID"}

// fromOMM builds elements from keyword values; where names the record.
func fromOMM(kv map[string]string, where func(field string) *ParseError) (*Elements, error) {
	for _, k := range ommRequired {
		if strings.TrimSpace(kv[k]) == "" {
			pe := where(k)
			pe.Msg = "missing"
			return nil, pe
		}
	}
	e := &Elements{
		Name:           strings.TrimSpace(kv["OBJECT_NAME"]),
		IntlDesignator: strings.TrimSpace(kv["OBJECT_ID"]),
		Classification: 'U',
	}
	if c := strings.TrimSpace(kv["CLASSIFICATION_TYPE"]); c != "" {
		e.Classification = c[0]
	}
	var err error
	num := func(k string, dst *float64, optional bool) {
		if err != nil {
			return
		}
		s := strings.TrimSpace(kv[k])
		if s == "" && optional {
			return
		}
		v, perr := strconv.ParseFloat(s, 64)
		if perr != nil {
			pe := where(k)
			pe.Msg = fmt.Sprintf("%q is not a number", s)
			err = pe
		}
		*dst = v
	}
	whole := func(k string, dst *int, optional bool) {
		if err != nil {
			return
		}
		s := strings.TrimSpace(kv[k])
		if s == "" && optional {
			return
		}
		v, perr := strconv.Atoi(s)
		if perr != nil {
			pe := where(k)
			pe.Msg = fmt.Sprintf("%q is not a whole number", s)
			err = pe
		}
		*dst = v
	}
	num("MEAN_MOTION", &e.MeanMotion, false)
	num("ECCENTRICITY", &e.Eccentricity, false)
	num("INCLINATION", &e.Inclination, false)
	num("RA_OF_ASC_NODE", &e.RAAN, false)
	num("ARG_OF_PERICENTER", &e.ArgPerigee, false)
	num("MEAN_ANOMALY", &e.MeanAnomaly, false)
	num("BSTAR", &e.BStar, true)
	num("MEAN_MOTION_DOT", &e.MeanMotionDot, true)
	num("MEAN_MOTION_DDOT", &e.MeanMotionDDot, true)
	whole("NORAD_CAT_ID", &e.CatalogNumber, false)
	whole("EPHEMERIS_TYPE", &e.EphemerisType, true)
	whole("ELEMENT_SET_NO", &e.ElementSetNo, true)
	whole("REV_AT_EPOCH", &e.RevNumber, true)
	if err != nil {
		return nil, err
	}
	if _, ok := kv["CX_X"]; ok {
		c := &Covariance{Frame: strings.TrimSpace(kv["COV_REF_FRAME"])}
		for i, k := range CovarianceKeys {
			num(k, &c.Lower[i], false)
		}
		if err != nil {
			return nil, err
		}
		for i := range 6 {
			if v := c.At(i, i); !(v >= 0) || math.IsInf(v, 0) {
				pe := where(CovarianceKeys[i*(i+1)/2+i])
				pe.Msg = fmt.Sprintf("variance %g is not a finite non-negative number", v)
				return nil, pe
			}
		}
		e.Covariance = c
	}
	ep, perr := parseOMMEpoch(strings.TrimSpace(kv["EPOCH"]))
	if perr != nil {
		pe := where("EPOCH")
		pe.Msg = perr.Error()
		return nil, pe
	}
	e.Epoch = ep
	if cerr := e.Check(); cerr != nil {
		pe := where("")
		pe.Msg = cerr.Error()
		return nil, pe
	}
	return e, nil
}

// parseOMMEpoch reads an OMM epoch: ISO 8601 UTC, with or without 'Z',
// with any number of fractional digits, or in year-day form (2025-060T...).
func parseOMMEpoch(s string) (time.Time, error) {
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-002T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 UTC epoch", s)
}

// ParseOMMJSON reads a JSON array (or a single object) of OMM records as
// CelesTrak and Space-Track serve them; values may be numbers or strings.
func ParseOMMJSON(data []byte, opt Options) Result {
	var res Result
	trimmed := bytes.TrimSpace(data)
	var raw []json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '{' {
		raw = []json.RawMessage{trimmed}
	} else if err := json.Unmarshal(data, &raw); err != nil {
		res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: jsonLine(data, err), Msg: "not an OMM JSON array: " + err.Error()})
		return res
	}
	for i, r := range raw {
		var obj map[string]any
		if err := json.Unmarshal(r, &obj); err != nil {
			res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Msg: fmt.Sprintf("record %d: %v", i+1, err)})
			continue
		}
		kv := map[string]string{}
		for k, v := range obj {
			switch x := v.(type) {
			case string:
				kv[strings.ToUpper(k)] = x
			case float64:
				kv[strings.ToUpper(k)] = strconv.FormatFloat(x, 'g', -1, 64)
			case nil:
			default:
				kv[strings.ToUpper(k)] = fmt.Sprint(x)
			}
		}
		idx := i + 1
		e, err := fromOMM(kv, func(field string) *ParseError {
			return &ParseError{Source: opt.Source, Field: field, Sat: kv["NORAD_CAT_ID"], Msg: "", Line: 0, Col: 0} // the record number stands in for a line in JSON arrays

		})
		if err != nil {
			if pe, ok := err.(*ParseError); ok {
				pe.Msg = fmt.Sprintf("record %d: %s", idx, pe.Msg)
			}
			res.Errors = append(res.Errors, err)
			continue
		}
		res.Elements = append(res.Elements, e)
	}
	return res
}

func jsonLine(data []byte, err error) int {
	var se *json.SyntaxError
	if ok := asSyntax(err, &se); ok && se.Offset <= int64(len(data)) {
		return bytes.Count(data[:se.Offset], []byte("\n")) + 1
	}
	return 0
}

func asSyntax(err error, se **json.SyntaxError) bool {
	s, ok := err.(*json.SyntaxError)
	if ok {
		*se = s
	}
	return ok
}

// ParseOMMKVN reads OMMs in CCSDS's keyword = value text form (what
// Space-Track serves as format/kvn): each CCSDS_OMM_VERS line starts a
// record; COMMENT lines and units in brackets are skipped.
func ParseOMMKVN(data []byte, opt Options) Result {
	var res Result
	var kv map[string]string
	start := 0
	flush := func() {
		if kv == nil {
			return
		}
		line := start
		e, err := fromOMM(kv, func(field string) *ParseError {
			return &ParseError{Source: opt.Source, Line: line, Field: field, Sat: kv["NORAD_CAT_ID"]}
		})
		if err != nil {
			res.Errors = append(res.Errors, err)
		} else {
			res.Elements = append(res.Elements, e)
		}
	}
	for n, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "COMMENT") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: n + 1, Msg: fmt.Sprintf("%q is not KEYWORD = value", trunc(l))})
			kv = nil
			continue
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if i := strings.IndexByte(v, '['); i > 0 { // a unit: "15.5 [rev/day]"
			v = strings.TrimSpace(v[:i])
		}
		if k == "CCSDS_OMM_VERS" {
			flush()
			kv, start = map[string]string{}, n+1
		}
		if kv != nil {
			kv[k] = v
		}
	}
	flush()
	if len(res.Elements) == 0 && len(res.Errors) == 0 {
		res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Msg: "no CCSDS_OMM_VERS record found"})
	}
	return res
}

// ParseOMMXML reads CCSDS NDM/XML: every <omm> element (anywhere in the
// document) is one record; keyword elements are read by local name.
func ParseOMMXML(data []byte, opt Options) Result {
	var res Result
	dec := xml.NewDecoder(bytes.NewReader(data))
	var kv map[string]string
	var text strings.Builder
	ommLine := 0
	depth := 0
	// Lines are counted incrementally: counting from the start of the
	// document at every <omm> would be quadratic in the number of records.
	counted, line := int64(0), 1
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: line, Msg: "XML: " + err.Error()})
			return res
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 64 {
				line, _ := dec.InputPos()
				res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Line: line, Msg: "XML nested too deeply"})
				return res
			}
			if strings.EqualFold(t.Name.Local, "omm") {
				kv = map[string]string{}
				line += bytes.Count(data[counted:off], []byte("\n"))
				counted = off
				ommLine = line
			}
			text.Reset()
		case xml.CharData:
			if text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			depth--
			if kv == nil {
				continue
			}
			if strings.EqualFold(t.Name.Local, "omm") {
				line := ommLine
				e, err := fromOMM(kv, func(field string) *ParseError {
					return &ParseError{Source: opt.Source, Line: line, Field: field, Sat: kv["NORAD_CAT_ID"]}
				})
				if err != nil {
					res.Errors = append(res.Errors, err)
				} else {
					res.Elements = append(res.Elements, e)
				}
				kv = nil
				continue
			}
			kv[strings.ToUpper(t.Name.Local)] = strings.TrimSpace(text.String())
			text.Reset()
		}
	}
	if len(res.Elements) == 0 && len(res.Errors) == 0 {
		res.Errors = append(res.Errors, &ParseError{Source: opt.Source, Msg: "no <omm> element found"})
	}
	return res
}
