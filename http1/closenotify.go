package http1

import "context"

// CloseNotify implements the deprecated [http.CloseNotifier] for code that
// still asserts it: the channel receives true once if the client leaves
// (its FIN or a reset) while the Handler runs, which also ends the
// request's context, the interface to prefer. It receives nothing when
// the Handler simply returns.
func (w *response) CloseNotify() <-chan bool {
	ch := make(chan bool, 1)
	ctx, ok := w.req.Context().(*requestContext)
	if !ok { // never: every request's context is one
		return ch
	}
	context.AfterFunc(ctx, func() {
		if ctx.left() {
			ch <- true
		}
	})
	return ch
}
