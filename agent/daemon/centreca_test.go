package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCentreCATrustsAPrivateCA: a real TLS server on loopback whose
// certificate a private CA signed is trusted through --centre-ca and not
// through the system roots.
func TestCentreCATrustsAPrivateCA(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test region CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "centre"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}}}
	srv.StartTLS()
	defer srv.Close()

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	conf, err := centreTLS(caFile)
	if err != nil {
		t.Fatal(err)
	}
	get := func(c *tls.Config) error {
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: c}, Timeout: 30 * time.Second}
		resp, err := cl.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(conf); err != nil {
		t.Fatalf("with --centre-ca: %v", err)
	}
	if err := get(nil); err == nil {
		t.Fatal("the private CA's certificate was trusted without --centre-ca")
	}
	if _, err := centreTLS(filepath.Join(t.TempDir(), "none.pem")); err == nil {
		t.Fatal("a missing CA file was accepted")
	}
}

// TestValidateRefusesPlainWebsocketToAnotherHost: ws:// to a host that is
// not loopback needs --insecure.
func TestValidateRefusesPlainWebsocketToAnotherHost(t *testing.T) {
	c := DefaultConfig()
	c.Terminal, c.TerminalToken, c.CentreKey, c.APIToken = "T1", "tok", "k.pub", "0123456789abcdef0123"
	c.Centre = "ws://10.1.2.3:7400"
	if err := c.Validate(); err == nil {
		t.Fatal("ws:// to 10.1.2.3 accepted without --insecure")
	}
	c.Insecure = true
	if err := c.Validate(); err != nil {
		t.Fatalf("with --insecure: %v", err)
	}
	c.Insecure, c.Centre = false, "ws://127.0.0.1:7400"
	if err := c.Validate(); err != nil {
		t.Fatalf("loopback: %v", err)
	}
}
