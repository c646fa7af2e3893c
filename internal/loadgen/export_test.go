package loadgen

// ReadResponse exposes readResponse to the external tests.
var ReadResponse = readResponse
