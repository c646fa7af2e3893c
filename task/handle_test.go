package task_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/task"
)

var errBoom = errors.New("boom")

func TestJoinReturnsValueAndError(t *testing.T) {
	h := task.Spawn(context.Background(), func(context.Context) (int, error) { return 42, errBoom })
	v, err := h.Join(context.Background())
	if v != 42 || !errors.Is(err, errBoom) {
		t.Fatalf("Join = %v, %v; want 42, boom", v, err)
	}
	// Joining again gives the same result.
	if v, err := h.Join(context.Background()); v != 42 || !errors.Is(err, errBoom) {
		t.Fatalf("second Join = %v, %v", v, err)
	}
	if v, err := h.TryJoin(); v != 42 || !errors.Is(err, errBoom) {
		t.Fatalf("TryJoin after Join = %v, %v; want the task's result", v, err)
	}
}

func TestJoinCancelledLeavesTaskRunning(t *testing.T) {
	release := make(chan struct{})
	h := task.Spawn(context.Background(), func(ctx context.Context) (string, error) {
		<-release
		return "done", ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Join(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Join with a cancelled ctx = %v; want context.Canceled", err)
	}
	if _, err := h.TryJoin(); err != task.ErrNotFinished {
		t.Fatalf("TryJoin = %v; want ErrNotFinished: the task finished though only the joiner's ctx was cancelled", err)
	}
	close(release)
	v, err := h.Join(context.Background())
	if v != "done" || err != nil {
		t.Fatalf("Join after release = %q, %v; want done, nil (the task's ctx must not have been cancelled)", v, err)
	}
}

func TestAbortCancelsTaskAndJoinReportsAborted(t *testing.T) {
	started := make(chan struct{})
	h := task.Spawn(context.Background(), func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		if !errors.Is(context.Cause(ctx), task.ErrAborted) {
			return 0, errors.New("cause is not ErrAborted")
		}
		return 7, ctx.Err()
	})
	<-started
	if !h.Abort() {
		t.Fatal("Abort of a running task reported no effect")
	}
	if h.Abort() {
		t.Fatal("second Abort reported effect")
	}
	v, err := h.Join(context.Background())
	if v != 0 || err != task.ErrAborted {
		t.Fatalf("Join after Abort = %v, %v; want 0, ErrAborted", v, err)
	}
}

func TestAbortKeepsTheTasksOwnError(t *testing.T) {
	started := make(chan struct{})
	h := task.Spawn(context.Background(), func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, errBoom
	})
	<-started
	h.Abort()
	_, err := h.Join(context.Background())
	if !errors.Is(err, task.ErrAborted) || !errors.Is(err, errBoom) {
		t.Fatalf("Join = %v; want both ErrAborted and the task's error", err)
	}
}

func TestAbortAfterFinishHasNoEffect(t *testing.T) {
	h := task.Spawn(context.Background(), func(context.Context) (int, error) { return 1, nil })
	<-h.Done()
	if h.Abort() {
		t.Fatal("Abort of a finished task reported effect")
	}
	if v, err := h.Join(context.Background()); v != 1 || err != nil {
		t.Fatalf("Join = %v, %v; want 1, nil", v, err)
	}
}

func TestParentCancellationReachesTask(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	h := task.Spawn(ctx, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	cancel()
	if _, err := h.Join(context.Background()); !errors.Is(err, context.Canceled) || errors.Is(err, task.ErrAborted) {
		t.Fatalf("Join = %v; want context.Canceled, not ErrAborted", err)
	}
}

func panicky(ctx context.Context) (int, error) { panic(errBoom) }

func TestPanicIsCapturedWithStack(t *testing.T) {
	h := task.SpawnNamed(context.Background(), "panicky", panicky)
	_, err := h.Join(context.Background())
	var p *task.PanicError
	if !errors.As(err, &p) {
		t.Fatalf("Join = %v; want a *PanicError", err)
	}
	if p.Value != errBoom || !errors.Is(err, errBoom) {
		t.Fatalf("panic value = %v; want boom (and errors.Is to see it)", p.Value)
	}
	if !strings.Contains(string(p.Stack), "task_test.panicky") {
		t.Fatalf("stack does not show the panicking function:\n%s", p.Stack)
	}
	if p.Task.Name != "panicky" || p.Task.ID != h.ID() {
		t.Fatalf("panic names task %+v; want %d panicky", p.Task, h.ID())
	}
}

func TestGoexitIsReported(t *testing.T) {
	h := task.Spawn(context.Background(), func(context.Context) (int, error) {
		runtime.Goexit()
		return 1, nil
	})
	if _, err := h.Join(context.Background()); err != task.ErrGoexit {
		t.Fatalf("Join = %v; want ErrGoexit", err)
	}
}

func TestTaskInfoAndParent(t *testing.T) {
	if _, ok := task.Current(context.Background()); ok {
		t.Fatal("Current outside a task reports a task")
	}
	outer := task.SpawnNamed(context.Background(), "outer", func(ctx context.Context) ([2]task.Info, error) {
		me, _ := task.Current(ctx)
		inner := task.SpawnNamed(ctx, "inner", func(ctx context.Context) (task.Info, error) {
			i, _ := task.Current(ctx)
			return i, nil
		})
		in, err := inner.Join(ctx)
		return [2]task.Info{me, in}, err
	})
	infos, err := outer.Join(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	me, in := infos[0], infos[1]
	if me.ID != outer.ID() || me.Name != "outer" || me.Parent != 0 {
		t.Fatalf("outer info = %+v", me)
	}
	if in.Name != "inner" || in.Parent != me.ID || in.ID <= me.ID {
		t.Fatalf("inner info = %+v; want parent %d and a later ID", in, me.ID)
	}
}

func TestDoneIsSelectable(t *testing.T) {
	release := make(chan struct{})
	h := task.Spawn(context.Background(), func(context.Context) (struct{}, error) {
		<-release
		return struct{}{}, nil
	})
	select {
	case <-h.Done():
		t.Fatal("Done closed before the task finished")
	default:
	}
	close(release)
	<-h.Done()
}

func TestJoinIsDurablyBlockedUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := task.Spawn(t.Context(), func(ctx context.Context) (time.Duration, error) {
			start := time.Now()
			time.Sleep(time.Hour)
			return time.Since(start), nil
		})
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if _, err := h.Join(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Join with a 1m timeout = %v; want DeadlineExceeded", err)
		}
		d, err := h.Join(t.Context())
		if err != nil || d != time.Hour {
			t.Fatalf("Join = %v, %v; want 1h of virtual time", d, err)
		}
	})
}

// The crash tests re-run the test binary with TASK_CRASH set; the child
// performs the crash and the parent checks how it died.
func runCrashChild(t *testing.T, mode string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$")
	cmd.Env = append(os.Environ(), "TASK_CRASH="+mode)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("child exited with %v; want a crash (exit status 2). Output:\n%s", err, out)
	}
	return string(out)
}

func TestDetachedTaskPanicCrashesWithStack(t *testing.T) {
	if getCrashMode() == "detach" {
		release := make(chan struct{})
		h := task.SpawnNamed(context.Background(), "doomed", func(context.Context) (int, error) {
			<-release
			panic("detached boom")
		})
		h.Detach()
		close(release)
		select {} // the task's panic ends the process
	}
	out := runCrashChild(t, "detach")
	if !strings.Contains(out, "detached boom") || !strings.Contains(out, "doomed") {
		t.Fatalf("crash output lacks the panic value or task name:\n%s", out)
	}
}

func TestDetachAfterPanicPanicsInCaller(t *testing.T) {
	h := task.Spawn(context.Background(), panicky)
	<-h.Done()
	defer func() {
		p, ok := recover().(*task.PanicError)
		if !ok || p.Value != errBoom {
			t.Fatalf("Detach recovered %v; want the task's *PanicError", p)
		}
	}()
	h.Detach()
	t.Fatal("Detach of a panicked task returned")
}

func getCrashMode() string { return os.Getenv("TASK_CRASH") }
