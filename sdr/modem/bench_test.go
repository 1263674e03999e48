package modem

import "testing"

func BenchmarkAFSK(b *testing.B) {
	frames := testFrames(b, 20)
	audio := afskAudio(frames, 44100)
	b.SetBytes(int64(len(audio)))
	b.ResetTimer()
	for range b.N {
		d := NewAFSK(44100, Options{})
		d.Process(audio)
	}
	sec := float64(len(audio)) / 44100
	b.ReportMetric(sec*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
}
