package xtce

import (
	"strings"
	"testing"
)

// TestErrors: what is not XTCE says where and why.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "x.xml:1: no SpaceSystem element"},
		{"<foo/>", "x.xml:1: the document's root is <foo>, not an XTCE <SpaceSystem>"},
		{"<SpaceSystem name='a'>\n<TelemetryMetaData>\n<ParameterSet>", "x.xml:3: XML: "},
	} {
		_, err := Parse([]byte(c.in), "x.xml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

// FuzzParse: no input makes the reader or the layout panic or loop.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<SpaceSystem name="s"><TelemetryMetaData><ParameterTypeSet><IntegerParameterType name="T"><IntegerDataEncoding sizeInBits="11"/></IntegerParameterType></ParameterTypeSet><ParameterSet><Parameter name="A" parameterTypeRef="T"/></ParameterSet><ContainerSet><SequenceContainer name="C"><EntryList><ParameterRefEntry parameterRef="A"><LocationInContainerInBits referenceLocation="containerStart"><FixedValue>5</FixedValue></LocationInContainerInBits></ParameterRefEntry><ContainerRefEntry containerRef="C"/></EntryList><BaseContainer containerRef="C"><RestrictionCriteria><Comparison parameterRef="A" value="3"/></RestrictionCriteria></BaseContainer></SequenceContainer></ContainerSet></TelemetryMetaData><CommandMetaData><MetaCommandSet><MetaCommand name="M"><BaseMetaCommand metaCommandRef="M"/></MetaCommand></MetaCommandSet></CommandMetaData></SpaceSystem>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := Parse(b, "fuzz")
		if err == nil {
			db.Packets()
		}
	})
}
