// Package tm is the CCSDS TM Space Data Link Protocol (CCSDS 132.0-B):
// transfer frames with their primary header (spacecraft and virtual
// channel, master and virtual channel frame counts, first header
// pointer), the operational control field carrying the CLCW, the
// optional frame error control field (CRC-16), idle frames, and space
// packets packed into a virtual channel's frames and extracted from
// them across frame boundaries, recovering from lost frames.
package tm
