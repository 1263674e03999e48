package tcpcl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"time"
)

// The subjectAltName otherName that carries a node id (RFC 9174 section
// 4.4.1: id-on-bundleEID, an IA5String).
var (
	oidBundleEID = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 8, 11}
	oidSAN       = asn1.ObjectIdentifier{2, 5, 29, 17}
)

func bundleEIDSAN(nodeIDs ...string) (pkix.Extension, error) {
	var names []byte
	for _, id := range nodeIDs {
		v, err := asn1.MarshalWithParams(id, "ia5")
		if err != nil {
			return pkix.Extension{}, err
		}
		oid, _ := asn1.Marshal(oidBundleEID)
		val, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: v})
		gn, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: append(oid, val...)})
		names = append(names, gn...)
	}
	san, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: names})
	return pkix.Extension{Id: oidSAN, Value: san}, err
}

// NodeIDs returns the node ids a certificate names (its id-on-bundleEID
// otherNames).
func NodeIDs(c *x509.Certificate) []string {
	var out []string
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidSAN) {
			continue
		}
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(ext.Value, &seq); err != nil || len(rest) != 0 {
			continue
		}
		for b := seq.Bytes; len(b) > 0; {
			var gn asn1.RawValue
			rest, err := asn1.Unmarshal(b, &gn)
			if err != nil {
				break
			}
			b = rest
			if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 {
				continue
			}
			var oid asn1.ObjectIdentifier
			vrest, err := asn1.Unmarshal(gn.Bytes, &oid)
			if err != nil || !oid.Equal(oidBundleEID) {
				continue
			}
			var val asn1.RawValue
			if _, err := asn1.Unmarshal(vrest, &val); err != nil {
				continue
			}
			var s string
			if _, err := asn1.UnmarshalWithParams(val.Bytes, &s, "ia5"); err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// NewIdentity makes a node's TLS identity: an ECDSA P-256 key and a
// self-signed certificate naming the node id, valid for ten years. It is
// a leaf: it can sign nothing (an identity that was a CA let one node
// issue a certificate naming another). A peer trusts it by holding this
// very certificate (TLSConfig pins it).
func NewIdentity(nodeID string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	san, err := bundleEIDSAN(nodeID)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: nodeID, Organization: []string{"ipgs"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: false,
		ExtraExtensions: []pkix.Extension{san},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// SaveIdentity writes an identity as PEM: the certificate to certFile
// (0644) and the key to keyFile (0600).
func SaveIdentity(id tls.Certificate, certFile, keyFile string) error {
	der, err := x509.MarshalPKCS8PrivateKey(id.PrivateKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Certificate[0]}), 0o644)
}

// LoadIdentity reads an identity SaveIdentity wrote.
func LoadIdentity(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return c, err
	}
	if len(NodeIDs(c.Leaf)) == 0 {
		return c, fmt.Errorf("%s: the certificate names no node id (id-on-bundleEID)", certFile)
	}
	return c, nil
}

// TLSConfig is the TLS 1.3 configuration for a node with identity id
// that trusts exactly the certificates in trusted: its peers'
// certificates, each pinned. Both ends present certificates; a peer is
// accepted only when the certificate it presents is one of trusted, byte
// for byte, with a valid date, and the session then requires the node id
// the peer claims in SESS_INIT to be one its certificate names. No chain
// is built: a trusted certificate vouches for no other, so no node can
// issue itself a certificate naming another (host names are not checked:
// a node is known by its node id). The key exchange is Go's default,
// which leads with the post-quantum hybrid X25519MLKEM768.
func TLSConfig(id tls.Certificate, trusted []*x509.Certificate) *tls.Config {
	verify := func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tcpcl: the peer sent no certificate")
		}
		leaf := cs.PeerCertificates[0]
		if !slices.ContainsFunc(trusted, func(c *x509.Certificate) bool { return c.Equal(leaf) }) {
			return fmt.Errorf("tcpcl: the peer's certificate for %v is not one this node trusts", NodeIDs(leaf))
		}
		if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
			return fmt.Errorf("tcpcl: the peer's certificate for %v is valid from %s to %s", NodeIDs(leaf), leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
		}
		return nil
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{id},
		ClientAuth:         tls.RequireAnyClientCert,
		InsecureSkipVerify: true, // the certificate is pinned by VerifyConnection, the name checked by the session
		VerifyConnection:   verify,
	}
}

// peerNamed reports whether the TLS peer's certificate names nodeID.
func peerNamed(cs *tls.ConnectionState, nodeID string) bool {
	return len(cs.PeerCertificates) > 0 && slices.Contains(NodeIDs(cs.PeerCertificates[0]), nodeID)
}
