package split

import (
	"slices"
	"testing"
)

// TestNamesImmutable: the split names are shared by every caller; what one
// caller does with its slice must not change the next caller's.
func TestNamesImmutable(t *testing.T) {
	for _, cfg := range []Config{{Bank: 0.1}, {}} {
		a := Active(cfg)
		want := slices.Clone(a)
		a[0] = "changed"
		_ = append(a[:1], "appended") // would overwrite the next name of a shared array
		if got := Active(cfg); !slices.Equal(got, want) {
			t.Errorf("Active(bank %v) after a caller changed its copy = %q, want %q", cfg.Bank, got, want)
		}
	}
	n := Names()
	n[1] = "changed"
	if got := Names(); !slices.Equal(got, []string{Train, Validation, Test, Bank}) {
		t.Errorf("Names() = %q", got)
	}
}
