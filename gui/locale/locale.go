// Package locale keeps Fyne quiet on systems whose locale is C.UTF-8 (the
// usual one in containers and on servers): Fyne reads the locale while its
// packages initialise and logs "Error parsing user locale C" at every start
// of ipgs, GUI or not. Imported for its side effect by the command, this
// package initialises first (Go initialises ready packages in import-path
// order, and this one depends only on os) and sets LANGUAGE=en when the
// locale is the C locale and LANGUAGE is unset; C means untranslated
// English anyway.
package locale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := os.Getenv(v); l != "" {
			base, _, _ := strings.Cut(l, ".")
			if base == "C" || base == "POSIX" {
				os.Setenv("LANGUAGE", "en")
			}
			return
		}
	}
}
