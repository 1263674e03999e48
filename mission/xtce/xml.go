package xtce

import "encoding/xml"

// The XML shapes read, by local name: XTCE 1.1 to 1.3 documents with any
// namespace prefix (or none) decode alike.

type xSpaceSystem struct {
	Name      string          `xml:"name,attr"`
	Telemetry *xTelemetry     `xml:"TelemetryMetaData"`
	Command   *xCommand       `xml:"CommandMetaData"`
	Children  []*xSpaceSystem `xml:"SpaceSystem"`
}

type xTelemetry struct {
	Types      xTypeSet     `xml:"ParameterTypeSet"`
	Parameters []xParameter `xml:"ParameterSet>Parameter"`
	Containers []xContainer `xml:"ContainerSet>SequenceContainer"`
}

type xCommand struct {
	ParamTypes xTypeSet       `xml:"ParameterTypeSet"`
	Parameters []xParameter   `xml:"ParameterSet>Parameter"`
	ArgTypes   xTypeSet       `xml:"ArgumentTypeSet"`
	Commands   []xMetaCommand `xml:"MetaCommandSet>MetaCommand"`
}

// xTypeSet holds parameter or argument types of every kind, in order.
type xTypeSet struct {
	Types []xType `xml:",any"`
}

type xType struct {
	XMLName      xml.Name
	Name         string       `xml:"name,attr"`
	Signed       string       `xml:"signed,attr"`
	InitialValue string       `xml:"initialValue,attr"`
	ShortDesc    string       `xml:"shortDescription,attr"`
	Units        []string     `xml:"UnitSet>Unit"`
	IntEnc       *xIntEnc     `xml:"IntegerDataEncoding"`
	FloatEnc     *xFloatEnc   `xml:"FloatDataEncoding"`
	StrEnc       *xStrEnc     `xml:"StringDataEncoding"`
	BinEnc       *xBinEnc     `xml:"BinaryDataEncoding"`
	Enums        []xEnum      `xml:"EnumerationList>Enumeration"`
	Alarm        *xAlarm      `xml:"DefaultAlarm"`
	ContextAlarm *struct{}    `xml:"ContextAlarmList"`
	ValidRange   *xRange      `xml:"ValidRange"`
	ValidRanges  []xRange     `xml:"ValidRangeSet>ValidRange"`
	ZeroString   string       `xml:"zeroStringValue,attr"`
	OneString    string       `xml:"oneStringValue,attr"`
	Encoding     *xTimeEncode `xml:"Encoding"` // absolute and relative time types
}

type xTimeEncode struct{}

type xIntEnc struct {
	SizeInBits int          `xml:"sizeInBits,attr"`
	Encoding   string       `xml:"encoding,attr"`
	ByteOrder  string       `xml:"byteOrder,attr"`
	Calibrator *xCalibrator `xml:"DefaultCalibrator"`
	Context    *struct{}    `xml:"ContextCalibratorList"`
}

type xFloatEnc struct {
	SizeInBits int          `xml:"sizeInBits,attr"`
	Encoding   string       `xml:"encoding,attr"`
	ByteOrder  string       `xml:"byteOrder,attr"`
	Calibrator *xCalibrator `xml:"DefaultCalibrator"`
}

type xStrEnc struct {
	Encoding string      `xml:"encoding,attr"`
	Size     *xSizeBits  `xml:"SizeInBits"`
	Variable *struct{}   `xml:"Variable"`
	Fixed    *xFixedSize `xml:"Fixed"` // XTCE 1.1: SizeInBits>Fixed>FixedValue
}

type xSizeBits struct {
	Fixed        *xFixedSize `xml:"Fixed"`
	FixedValue   string      `xml:"FixedValue"`
	DynamicValue *struct{}   `xml:"DynamicValue"`
}

type xFixedSize struct {
	FixedValue string `xml:"FixedValue"`
}

type xBinEnc struct {
	Size *xSizeBits `xml:"SizeInBits"`
}

type xEnum struct {
	Value string `xml:"value,attr"`
	Label string `xml:"label,attr"`
}

type xAlarm struct {
	Static *xStaticRanges `xml:"StaticAlarmRanges"`
	Other  []xml.Name     `xml:",any"`
}

type xStaticRanges struct {
	Watch    *xRange `xml:"WatchRange"`
	Warning  *xRange `xml:"WarningRange"`
	Distress *xRange `xml:"DistressRange"`
	Critical *xRange `xml:"CriticalRange"`
	Severe   *xRange `xml:"SevereRange"`
}

type xRange struct {
	MinInclusive string `xml:"minInclusive,attr"`
	MaxInclusive string `xml:"maxInclusive,attr"`
	MinExclusive string `xml:"minExclusive,attr"`
	MaxExclusive string `xml:"maxExclusive,attr"`
}

type xCalibrator struct {
	Polynomial *struct {
		Terms []xTerm `xml:"Term"`
	} `xml:"PolynomialCalibrator"`
	Spline *struct {
		Order  int       `xml:"order,attr"`
		Points []xSpline `xml:"SplinePoint"`
	} `xml:"SplineCalibrator"`
	Math *struct{} `xml:"MathOperationCalibrator"`
}

type xTerm struct {
	Coefficient string `xml:"coefficient,attr"`
	Exponent    string `xml:"exponent,attr"`
}

type xSpline struct {
	Raw        string `xml:"raw,attr"`
	Calibrated string `xml:"calibrated,attr"`
}

type xParameter struct {
	Name      string `xml:"name,attr"`
	TypeRef   string `xml:"parameterTypeRef,attr"`
	ShortDesc string `xml:"shortDescription,attr"`
}

type xContainer struct {
	Name      string   `xml:"name,attr"`
	Abstract  bool     `xml:"abstract,attr"`
	ShortDesc string   `xml:"shortDescription,attr"`
	Entries   xEntries `xml:"EntryList"`
	Base      *xBase   `xml:"BaseContainer"`
	LongDesc  string   `xml:"LongDescription"`
}

type xEntries struct {
	Entries []xEntry `xml:",any"`
}

type xEntry struct {
	XMLName      xml.Name
	ParameterRef string     `xml:"parameterRef,attr"`
	ContainerRef string     `xml:"containerRef,attr"`
	ArgumentRef  string     `xml:"argumentRef,attr"`
	BinaryValue  string     `xml:"binaryValue,attr"`
	SizeInBits   int        `xml:"sizeInBits,attr"`
	Location     *xLocation `xml:"LocationInContainerInBits"`
	Include      *struct{}  `xml:"IncludeCondition"`
	Repeat       *struct{}  `xml:"RepeatEntry"`
}

type xLocation struct {
	Reference  string `xml:"referenceLocation,attr"`
	FixedValue string `xml:"FixedValue"`
}

type xBase struct {
	ContainerRef string        `xml:"containerRef,attr"`
	Comparison   *xComparison  `xml:"RestrictionCriteria>Comparison"`
	Comparisons  []xComparison `xml:"RestrictionCriteria>ComparisonList>Comparison"`
	Boolean      *struct{}     `xml:"RestrictionCriteria>BooleanExpression"`
	Assignments  []xAssignment `xml:"ArgumentAssignmentList>ArgumentAssignment"`
	MetaCommand  string        `xml:"metaCommandRef,attr"`
}

type xComparison struct {
	ParameterRef string `xml:"parameterRef,attr"`
	Value        string `xml:"value,attr"`
	Operator     string `xml:"comparisonOperator,attr"`
}

type xAssignment struct {
	Name  string `xml:"argumentName,attr"`
	Value string `xml:"argumentValue,attr"`
}

type xMetaCommand struct {
	Name         string         `xml:"name,attr"`
	Abstract     bool           `xml:"abstract,attr"`
	ShortDesc    string         `xml:"shortDescription,attr"`
	LongDesc     string         `xml:"LongDescription"`
	Base         *xBase         `xml:"BaseMetaCommand"`
	Arguments    []xArgument    `xml:"ArgumentList>Argument"`
	Container    *xCmdContainer `xml:"CommandContainer"`
	Significance *struct {
		Level string `xml:"consequenceLevel,attr"`
	} `xml:"DefaultSignificance"`
}

type xArgument struct {
	Name         string `xml:"name,attr"`
	TypeRef      string `xml:"argumentTypeRef,attr"`
	InitialValue string `xml:"initialValue,attr"`
}

type xCmdContainer struct {
	Name    string   `xml:"name,attr"`
	Entries xEntries `xml:"EntryList"`
	Base    *xBase   `xml:"BaseContainer"`
}
