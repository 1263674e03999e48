package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"

	"github.com/ipgs/ipgs/internal/durable"
	"github.com/ipgs/ipgs/mission"
)

// SatNOGSTransmittersURL is SatNOGS DB's transmitter list.
const SatNOGSTransmittersURL = "https://db.satnogs.org/api/transmitters/?format=json"

// TransmittersOptions are the inputs of ipgs tle transmitters.
type TransmittersOptions struct {
	MissionPath string
	Source      string // a file or URL of SatNOGS DB's transmitter list
	Write       bool   // write the mission file; otherwise only show
	Catalog     *Catalog
	Out         interface{ Write([]byte) (int, error) }
}

// RunTransmitters imports SatNOGS DB's transmitters into the mission
// file's satellites: their frequencies, modem and baud, and each one's
// list of transmitters with its status. Without Write it shows what it
// would change.
func RunTransmitters(ctx context.Context, o TransmittersOptions) error {
	if o.MissionPath == "" {
		return mission.BadInput(errors.New("give the mission file to import into (--mission)"))
	}
	src := o.Source
	if src == "" {
		src = SatNOGSTransmittersURL
	}
	var data []byte
	var err error
	if IsURL(src) {
		var status int
		data, status, err = do(ctx, o.Catalog.client(), http.MethodGet, src, nil)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("HTTP %d", status)
		}
	} else {
		data, err = os.ReadFile(src)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	txs, err := mission.ParseSatNOGSTransmitters(data, src)
	if err != nil {
		return err
	}
	file, err := os.ReadFile(o.MissionPath)
	if err != nil {
		return err
	}
	out, changes, err := mission.ImportTransmitters(file, o.MissionPath, txs)
	if err != nil {
		return err
	}
	// What is written must load as a mission.
	if _, err := mission.Parse(out, o.MissionPath); err != nil {
		return fmt.Errorf("the imported mission does not validate, left unchanged: %w", err)
	}
	n := 0
	for _, c := range changes {
		switch {
		case c.Missing:
			fmt.Fprintf(o.Out, "%s (%d): SatNOGS DB lists no transmitter\n", c.Name, c.NORAD)
		case len(c.Fields) == 0:
			fmt.Fprintf(o.Out, "%s (%d): %d transmitters, unchanged\n", c.Name, c.NORAD, c.Count)
		default:
			n++
			fmt.Fprintf(o.Out, "%s (%d): %d transmitters\n", c.Name, c.NORAD, c.Count)
			for _, f := range c.Fields {
				fmt.Fprintf(o.Out, "    %s\n", f)
			}
		}
	}
	if !o.Write {
		fmt.Fprintf(o.Out, "%d satellites would change; --write writes %s\n", n, o.MissionPath)
		return nil
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(o.MissionPath); err == nil {
		mode = fi.Mode().Perm() // the operator's file keeps its mode
	}
	if err := durable.WriteFile(o.MissionPath, out, mode); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%d satellites changed in %s\n", n, o.MissionPath)
	return nil
}
