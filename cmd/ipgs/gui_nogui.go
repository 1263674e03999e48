//go:build nogui

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newGUICmd in a headless build (-tags nogui) says how to get the app.
func newGUICmd() *cobra.Command {
	return &cobra.Command{
		Use:   "gui",
		Short: "The mission-control desktop app (not in this headless build)",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("this ipgs was built with -tags nogui: build without it for the desktop app")
		},
	}
}
