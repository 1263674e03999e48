// Command ipgs is the ipgs ground-station and mission-control program.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
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
	defer stop()
	os.Exit(exitCode(newRoot().ExecuteContext(ctx)))
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
