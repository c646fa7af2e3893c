package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// serveTLSConfig returns the TLS configuration of `shio serve` from its
// flags, nil for plain HTTP, and a line describing the certificate.
func serveTLSConfig(certFile, keyFile string, selfSigned bool) (*tls.Config, string, error) {
	switch {
	case selfSigned && (certFile != "" || keyFile != ""):
		return nil, "", errors.New("--self-signed excludes --cert and --key")
	case (certFile == "") != (keyFile == ""):
		return nil, "", errors.New("--cert and --key go together")
	case selfSigned:
		cert, err := selfSignedCert()
		if err != nil {
			return nil, "", err
		}
		sum := sha256.Sum256(cert.Certificate[0])
		return &tls.Config{Certificates: []tls.Certificate{cert}},
			"self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1 (in memory), SHA-256 fingerprint " + fingerprint(sum[:]), nil
	case certFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, "", err
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}}, "certificate " + certFile, nil
	}
	return nil, "", nil
}

// fingerprint spells a digest as openssl x509 -fingerprint does.
func fingerprint(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

// selfSignedCert makes an ECDSA P-256 certificate for local testing,
// valid for a week.
func selfSignedCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "shio serve --self-signed"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(7 * 24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
