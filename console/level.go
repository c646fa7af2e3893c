package console

import "github.com/shio-rt/shio/internal/obs"

// A Level says how much the collector records; see the package
// documentation.
type Level int

// The collection levels, in increasing cost.
const (
	Off      Level = Level(obs.Off)
	Counters Level = Level(obs.Counters)
	Full     Level = Level(obs.Full)
)

// String returns "off", "counters" or "full".
func (l Level) String() string { return obs.Level(l).String() }

// SetLevel sets the collection level for the whole program. Set it once, at
// start, before spawning tasks: a task keeps the level it was spawned under.
// It panics on an unknown level.
func SetLevel(l Level) { obs.SetLevel(obs.Level(l)) }

// CurrentLevel returns the collection level.
func CurrentLevel() Level { return Level(obs.Current()) }
