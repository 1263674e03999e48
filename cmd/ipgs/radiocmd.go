package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

func newStationRadioCmd() *cobra.Command {
	var f struct {
		missionFlags
		addr, tokenFile, operator string
	}
	c := &cobra.Command{
		Use:   "radio ACTION [ARG...] --status HOST:PORT",
		Short: "Take a running station's radios in hand: park, stop, point AZ EL, resume, nudge HZ, offset SAT HZ",
		Long: `park, stop and point AZ EL move the rotator and hold it there: tracking
stops until resume or the next pass. nudge HZ moves the downlink of the
pass in progress; offset SAT HZ sets a satellite's downlink offset for
this pass and its next ones (kept in the station's radio-offsets.json).
The station is reached through its status endpoint, with its token.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, _, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			req := station.Manual{Action: args[0], Operator: operatorName(f.operator)}
			num := func(i int, what string) (float64, error) {
				if len(args) <= i {
					return 0, usage(fmt.Errorf("%s needs %s", args[0], what))
				}
				v, err := strconv.ParseFloat(args[i], 64)
				if err != nil {
					return 0, usage(fmt.Errorf("%s: %q is not a number", what, args[i]))
				}
				return v, nil
			}
			switch args[0] {
			case "point":
				if req.Az, err = num(1, "an azimuth"); err == nil {
					req.El, err = num(2, "an elevation")
				}
			case "nudge":
				req.Hz, err = num(1, "a frequency step in Hz")
			case "offset":
				if len(args) < 2 {
					return usage(fmt.Errorf("offset needs a satellite and Hz"))
				}
				if req.Sat, err = findSat(m, args[1]); err == nil {
					req.Hz, err = num(2, "an offset in Hz")
				}
			}
			if err != nil {
				return err
			}
			if err := req.Check(); err != nil {
				return usage(err)
			}
			if f.addr == "" {
				return usage(fmt.Errorf("--status is required: the station's status endpoint (ipgs station run --status)"))
			}
			clients, err := statusClients(m, data, f.tokenFile, []string{f.addr})
			if err != nil {
				return err
			}
			if err := clients[0].Radio(cmd.Context(), req); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s done\n", f.addr, args[0])
			return nil
		},
	}
	addMissionFlags(c, &f.missionFlags)
	c.Flags().StringVar(&f.addr, "status", "", "the station's status endpoint, HOST:PORT")
	c.Flags().StringVar(&f.tokenFile, "token-file", "", "the station's status token (default: the keys folder's status.token)")
	c.Flags().StringVar(&f.operator, "operator", "", "who does it, as the station's log records (default: the login name)")
	return c
}

// statusClients are clients of stations' status endpoints, with the token
// from tokenFile (default: the keys folder's status.token).
func statusClients(m *mission.Mission, data, tokenFile string, addrs []string) ([]*status.Client, error) {
	if tokenFile == "" {
		tokenFile = statusTokenPath(m, data)
	}
	token, err := status.LoadToken(tokenFile)
	if err != nil {
		return nil, err
	}
	var out []*status.Client
	for _, a := range addrs {
		out = append(out, &status.Client{Addr: a, Token: token})
	}
	return out, nil
}
