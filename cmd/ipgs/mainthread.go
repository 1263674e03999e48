package main

// The GUI toolkit locks the main goroutine to the process's main thread
// (OpenGL and the windowing system need that thread). Commands that keep
// all cores busy and hand results to the main goroutine then pay an OS
// thread handoff for every hand-over: `ipgs passes` at 10,000 satellites
// ran 25 % slower in the GUI build than in the headless one. So commands
// run on an ordinary goroutine, and only what needs the main thread is
// sent back to it with onMain.

var mainCalls = make(chan func())

// runMain runs body on a new goroutine, serving onMain calls on this (the
// main) goroutine until body returns.
func runMain(body func() int) int {
	done := make(chan int, 1)
	go func() { done <- body() }()
	for {
		select {
		case f := <-mainCalls:
			f()
		case code := <-done:
			return code
		}
	}
}

// onMain runs f on the main goroutine and waits for it.
func onMain(f func()) {
	finished := make(chan struct{})
	mainCalls <- func() {
		defer close(finished)
		f()
	}
	<-finished
}
