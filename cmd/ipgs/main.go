// Command ipgs is the ipgs ground-station and mission-control program.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/ipgs/ipgs/mission"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailure  = 1 // the run failed
	exitBadInput = 2 // bad usage or bad input
	exitCanceled = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile(os.Getenv("IPGS_CPUPROFILE"))
	code := runMain(func() int { return exitCode(newRoot().ExecuteContext(ctx)) })
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole run to path (for `go tool
// pprof`) when path is set: how the commands' hot paths are measured
// before they are optimised.
func startProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ipgs: IPGS_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// usageError marks a command-line mistake found by cobra or by flag checks.
type usageError struct{ error }

func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "ipgs: interrupted")
		return exitCanceled
	case errors.As(err, &ue), mission.IsBadInput(err):
		fmt.Fprintln(os.Stderr, "ipgs:", err)
		return exitBadInput
	default:
		fmt.Fprintln(os.Stderr, "ipgs:", err)
		return exitFailure
	}
}
