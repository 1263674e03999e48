package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/trust"
)

func newKeysCmd() *cobra.Command {
	top := &cobra.Command{
		Use:   "keys",
		Short: "Post-quantum keys: ML-DSA-65 signatures, X-Wing key exchange, the trust store",
	}
	var mf missionFlags
	var dir, passEnv string
	keysDir := func(m *mission.Mission) string {
		if dir != "" {
			return dir
		}
		return trust.KeysDir(m, mf.dataDir(m))
	}
	store := func() (*trust.Store, error) {
		m, err := mission.Load(mf.config)
		if err != nil {
			return nil, err
		}
		return trust.Load(m, keysDir(m))
	}
	passphrase := func() ([]byte, error) {
		if passEnv == "" {
			return nil, nil
		}
		p := os.Getenv(passEnv)
		if p == "" {
			return nil, usage(fmt.Errorf("--passphrase-env %s: the variable is empty", passEnv))
		}
		return []byte(p), nil
	}
	var kind, owner string
	gen := &cobra.Command{
		Use:   "gen",
		Short: "Make a key pair (0600 key file, .pub beside it); its id is its fingerprint",
		Example: `  ipgs keys gen --kind sig --owner Tromso
  IPGS_PASS=... ipgs keys gen --kind kem --owner DRONE-01 --passphrase-env IPGS_PASS`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := store()
			if err != nil {
				return err
			}
			pass, err := passphrase()
			if err != nil {
				return err
			}
			k, path, err := trust.Gen(s.Dir, kind, owner, pass)
			if err != nil {
				return err
			}
			sealed := ""
			if pass != nil {
				sealed = ", sealed with the passphrase"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s key for %s: %s (%s%s)\n", k.ID, k.Kind, k.Owner, path, "0600", sealed)
			return nil
		},
	}
	gen.Flags().StringVar(&kind, "kind", "sig", "sig (ML-DSA-65, stations and authorities) or kem (X-Wing, satellites)")
	gen.Flags().StringVar(&owner, "owner", "", "the station, satellite or authority the key belongs to")
	list := &cobra.Command{
		Use:   "list",
		Short: "Keys in the keys folder with their roles in the trust store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := store()
			if err != nil {
				return err
			}
			s.List(cmd.OutOrStdout(), time.Now())
			return nil
		},
	}
	export := &cobra.Command{
		Use:   "export ID",
		Short: "The public key (JSON) of a key, by id or a unique prefix",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := store()
			if err != nil {
				return err
			}
			k, err := s.Find(args[0])
			if err != nil {
				return err
			}
			b, _ := k.MarshalPublic()
			fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return nil
		},
	}
	var by, reason, effective string
	revoke := &cobra.Command{
		Use:   "revoke ID --by AUTHORITY-ID",
		Short: "Revoke a key: a revocation signed by an authority allowed to sign revocations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := store()
			if err != nil {
				return err
			}
			k, err := s.Find(args[0])
			if err != nil {
				return err
			}
			a, err := s.Find(by)
			if err != nil {
				return err
			}
			pass, err := passphrase()
			if err != nil {
				return err
			}
			priv, err := s.LoadPrivate(a.ID, pass)
			if err != nil {
				return err
			}
			at, err := mission.ParseTime(effective, time.Now())
			if err != nil {
				return usage(err)
			}
			_, path, err := s.Revoke(k.ID, reason, priv, at)
			if err != nil {
				return mission.BadInput(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s (%s) from %s, signed by %s: %s\n", k.ID, k.Owner, at.UTC().Format(time.RFC3339), a.Owner, path)
			return nil
		},
	}
	revoke.Flags().StringVar(&by, "by", "", "the authority key (id or prefix) that signs the revocation")
	revoke.Flags().StringVar(&reason, "reason", "compromised", "why")
	revoke.Flags().StringVar(&effective, "effective", "now", "from when (RFC 3339)")
	var out string
	initC := &cobra.Command{
		Use:   "init --out MISSION.yaml",
		Short: "Keys for every station, satellite and a council authority, and a copy of the mission file with its trust store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usage(fmt.Errorf("--out is required (the mission file with the trust store added)"))
			}
			m, err := mission.Load(mf.config)
			if err != nil {
				return err
			}
			src, err := os.ReadFile(mf.config)
			if err != nil {
				return err
			}
			d := keysDir(m)
			pass, err := passphrase()
			if err != nil {
				return err
			}
			rel := ""
			if absOut, err := filepath.Abs(filepath.Dir(out)); err == nil {
				if absD, err := filepath.Abs(d); err == nil {
					if r, err := filepath.Rel(absOut, absD); err == nil {
						rel = r
					} else {
						rel = absD
					}
				}
			}
			y, err := trust.Init(m, src, d, rel, pass)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, y, 0o644); err != nil {
				return err
			}
			if _, err := mission.Load(out); err != nil {
				return fmt.Errorf("the written mission file does not load: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "keys for %d stations, %d satellites and the council in %s; trust store in %s\n", len(m.Stations), len(m.Satellites), d, out)
			if pass == nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "ipgs: warning: every private key in %s is UNSEALED (no --passphrase-env): anyone who can read that folder can sign as the council and every station; seal them, or keep the folder on this machine only (mode 0700)\n", d)
			}
			return nil
		},
	}
	initC.Flags().StringVar(&out, "out", "", "where to write the mission file with the trust store")
	for _, c := range []*cobra.Command{gen, list, export, revoke, initC} {
		addMissionFlags(c, &mf)
		c.Flags().StringVar(&dir, "dir", "", "keys folder (default: the mission's security.keys_dir, else <data>/keys)")
		c.Flags().StringVar(&passEnv, "passphrase-env", "", "environment variable holding the passphrase (never on the command line)")
	}
	top.AddCommand(initC, gen, list, export, revoke)
	return top
}
