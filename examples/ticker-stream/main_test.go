package main

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPrintsFiveTicksOnePeriodApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out strings.Builder
		if err := run(t.Context(), &out, 200*time.Millisecond, 5); err != nil {
			t.Fatal(err)
		}
		want := `tick 1 at +0s (scheduled +0s, missed 0)
tick 2 at +200ms (scheduled +200ms, missed 0)
tick 3 at +400ms (scheduled +400ms, missed 0)
tick 4 at +600ms (scheduled +600ms, missed 0)
tick 5 at +800ms (scheduled +800ms, missed 0)
`
		if out.String() != want {
			t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
		}
	})
}
