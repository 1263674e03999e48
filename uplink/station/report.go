package station

import (
	"time"
)

// RadioStats is what a Radio reports about a pass (optional: a Radio that
// also has RadioStats() fills these into the pass report).
type RadioStats struct {
	PointingErrMaxDeg  float64 `json:"pointing_err_max_deg"`
	PointingErrMeanDeg float64 `json:"pointing_err_mean_deg"`
	DopplerMaxHz       float64 `json:"doppler_max_hz"`
	Retunes            int     `json:"retunes"`
	OperatorOffsetHz   float64 `json:"operator_offset_hz,omitempty"`
	UplinkDopplerMaxHz float64 `json:"uplink_doppler_max_hz,omitempty"`
	UplinkRetunes      int     `json:"uplink_retunes,omitempty"`
	// The SDR's: frames it decoded (repaired ones among them), dongle
	// retunes, its FLL's last correction and the pass's recording.
	SDRFrames    int      `json:"sdr_frames,omitempty"`
	SDRRepaired  int      `json:"sdr_repaired,omitempty"`
	SDRRetunes   int      `json:"sdr_retunes,omitempty"`
	SDRFLLHz     float64  `json:"sdr_fll_hz,omitempty"`
	SDRRecording string   `json:"sdr_recording,omitempty"`
	Errors       []string `json:"errors,omitempty"`
}

// Report is written at the end of every contact.
type Report struct {
	Station     string    `json:"station"`
	Sat         int       `json:"sat"`
	Name        string    `json:"name,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	FramesRx    int       `json:"frames_rx"`
	FramesTx    int       `json:"frames_tx"`
	BytesRx     int       `json:"bytes_rx"`
	BytesTx     int       `json:"bytes_tx"`
	FrameErrors int       `json:"frame_errors"` // FCS or format
	// Session: the station opened a session (the pass has a link window,
	// where the downlink closes): the satellite sent what it holds.
	Session bool `json:"session"`
	// UnknownFrames are frames from no satellite of the mission (an
	// unknown source, or not AX.25), kept in the raw-frame archive.
	UnknownFrames    int    `json:"unknown_frames,omitempty"`
	Packets          int    `json:"tm_packets"` // new telemetry packets
	Duplicates       int    `json:"duplicates"`
	CommandsSent     int    `json:"commands_sent"`
	CommandsVerified int    `json:"commands_verified"` // reached executed or failed in this pass
	FirstNo          uint32 `json:"first_no,omitempty"`
	LastNo           uint32 `json:"last_no,omitempty"`
	Gaps             int    `json:"gaps"` // packet numbers missing between first and last
	RadioError       string `json:"radio_error,omitempty"`
	// Link security: the handshake's bytes on the uplink and the time
	// from its first frame to the satellite's confirm (0: the association
	// of an earlier pass was resumed), and downlink frames refused.
	HandshakeBytes   int     `json:"handshake_bytes,omitempty"`
	HandshakeSeconds float64 `json:"handshake_s,omitempty"`
	SecurityRejected int     `json:"security_rejected,omitempty"`
	// HandshakeRenewals are handshakes made while the association in use
	// went on (an unauthenticated no-association notice asked for them).
	HandshakeRenewals int `json:"handshake_renewals,omitempty"`
	// CCSDS links: frames whose SDLS MAC failed (never used), COP-1
	// alerts, lockouts reported by the CLCW, commands acknowledged by it.
	MACFailed     int         `json:"mac_failed,omitempty"`
	COPAlerts     int         `json:"cop_alerts,omitempty"`
	Lockouts      int         `json:"lockouts,omitempty"`
	CommandsAcked int         `json:"commands_acked,omitempty"`
	Radio         *RadioStats `json:"radio,omitempty"`
	// Bundles: segments each way, bundles whose custody passed each way.
	BundleSegsTx int `json:"bundle_segments_tx,omitempty"`
	BundleSegsRx int `json:"bundle_segments_rx,omitempty"`
	BundlesTx    int `json:"bundles_tx,omitempty"`
	BundlesRx    int `json:"bundles_rx,omitempty"`
}

// Progress is a live view of a contact, reported about every 10 s of
// (virtual) time.
type Progress struct {
	Station  string
	Sat      int
	Name     string
	Start    time.Time // the contact's start (the plan's AOS)
	Time     time.Time
	FramesRx int
	Packets  int
}
