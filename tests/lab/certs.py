# SPDX-License-Identifier: MIT
"""Certificates for the lab, made at test time with the openssl command:
a root CA, an intermediate CA, and leaf certificates signed by the
intermediate (or by other issuers, to provoke certificate faults)."""
import os
import subprocess


def _run(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class CertFactory:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "certs")
        os.makedirs(self.dir, exist_ok=True)
        self.root_key, self.root_cert = self._ca("root", "smtpdoctor Lab Root CA", None)
        self.inter_key, self.inter_cert = self._ca("inter", "smtpdoctor Lab Intermediate CA",
                                                   (self.root_key, self.root_cert))
        self.ca_file = self.root_cert

    def provider_ca(self, organisation):
        """An intermediate CA under the lab's root whose O is a provider's
        CA family (e.g. "Google Trust Services"): what a provider's server
        certificate in the real world is issued by."""
        name = "provider-" + "".join(ch for ch in organisation.lower() if ch.isalnum())
        if not os.path.exists(self._path(name, "pem")):
            self._ca(name, organisation + " Lab Issuing CA", (self.root_key, self.root_cert),
                     fields=[("O", organisation)])
        return self._path(name, "key"), self._path(name, "pem")

    def _path(self, name, ext):
        return os.path.join(self.dir, f"{name}.{ext}")

    def _ca(self, name, cn, issuer, days=3650, fields=None):
        """A CA named O=smtpdoctor lab, CN=cn, or, with fields, by those
        (attribute, value) pairs in their order, then CN=cn: a product's CA
        as its O and OU name it."""
        key, cert = self._path(name, "key"), self._path(name, "pem")
        subj = "".join(f"/{attr}={_subj_value(value)}" for attr, value in (fields or [("O", "smtpdoctor lab")]))
        subj += "/CN=" + _subj_value(cn)
        _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
        ext = self._path(name, "ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                    "subjectKeyIdentifier=hash\n")
        if issuer is None:
            _run("req", "-new", "-x509", "-key", key, "-out", cert, "-days", str(days),
                 "-subj", subj, "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        else:
            csr = self._path(name, "csr")
            _run("req", "-new", "-key", key, "-out", csr, "-subj", subj)
            _run("x509", "-req", "-in", csr, "-CA", issuer[1], "-CAkey", issuer[0], "-CAcreateserial",
                 "-out", cert, "-days", str(days), "-extfile", ext)
        return key, cert

    def _ca_config(self):
        cfg = os.path.join(self.dir, "ca.cnf")
        if not os.path.exists(cfg):
            db = os.path.join(self.dir, "cadb")
            os.makedirs(db, exist_ok=True)
            open(os.path.join(db, "index.txt"), "w").close()
            with open(os.path.join(db, "serial"), "w") as f:
                f.write("1000\n")
            with open(cfg, "w") as f:
                f.write(f"[ca]\ndefault_ca = lab\n[lab]\ndatabase = {db}/index.txt\n"
                        f"new_certs_dir = {db}\nserial = {db}/serial\ndefault_md = sha256\n"
                        "policy = any\nunique_subject = no\n[any]\ncommonName = supplied\n")
        return cfg

    def leaf(self, name, hosts, days=365, not_before_days=0, issuer=None, self_signed=False,
             with_chain=True, rsa_bits=None, digest=None, sct=True):
        """A server certificate for hosts (DNS names or IPs); returns
        (cert_chain_file, key_file). The chain file holds the leaf and, unless
        with_chain is False, the intermediate."""
        key, cert = self._path(name, "key"), self._path(name, "crt")
        if rsa_bits:
            _run("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{rsa_bits}", "-out", key)
        else:
            _run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
        sans = ",".join(("IP:" if h.replace(".", "").isdigit() else "DNS:") + h for h in hosts)
        ext = self._path(name, "ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
                    "authorityInfoAccess=caIssuers;URI:http://ca.lab.test/issuer.crt\n")
            if sct:
                # as every public CA's certificate does (browsers and
                # smtpdoctor look for it), an embedded Certificate
                # Transparency timestamp; an inspection proxy's has none
                f.write(f"1.3.6.1.4.1.11129.2.4.2=DER:{_sct_list_der().hex()}\n")
        subj = f"/CN={hosts[0]}"
        if self_signed:
            _run("req", "-new", "-x509", "-key", key, "-out", cert, "-days", str(days), "-subj", subj,
                 "-addext", f"subjectAltName={sans}")
            chain = cert
        else:
            ikey, icert = issuer or (self.inter_key, self.inter_cert)
            csr = self._path(name, "csr")
            _run("req", "-new", "-key", key, "-out", csr, "-subj", subj)
            if not_before_days:
                # a certificate valid only in the future, or already expired:
                # OpenSSL 3.0's x509 cannot set the start date, its ca command can
                _run("ca", "-batch", "-config", self._ca_config(), "-cert", icert, "-keyfile", ikey,
                     "-in", csr, "-out", cert, "-notext", "-extfile", ext,
                     "-startdate", _date(not_before_days), "-enddate", _date(not_before_days + days))
            else:
                _run("x509", "-req", "-in", csr, "-CA", icert, "-CAkey", ikey, "-CAcreateserial",
                     "-out", cert, "-extfile", ext, "-days", str(days), *([f"-{digest}"] if digest else []))
            chain = self._path(name, "chain.pem")
            with open(chain, "w") as out:
                out.write(open(cert).read())
                if with_chain:
                    out.write(open(icert).read())
        return chain, key


def _subj_value(value):
    """A value for openssl's -subj, where "/" and "+" separate fields."""
    return value.replace("\\", "\\\\").replace("/", "\\/").replace("+", "\\+")


def _date(days_from_now):
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days_from_now)
    return t.strftime("%y%m%d%H%M%SZ")


def _sct_list_der():
    """The extension's value: an OCTET STRING holding a SignedCertificate-
    TimestampList (RFC 6962, 3.3) of one SCT from a made-up log. Its
    signature is not valid (no log signed it): smtpdoctor counts SCTs, as
    their presence is what tells a public CA's certificate from a proxy's."""
    import struct
    import time
    signature = bytes.fromhex("3006020101020101")          # a well-formed, empty ECDSA signature
    sct = (b"\x00" + bytes(range(32)) + struct.pack(">Q", int(time.time() * 1000)) + b"\x00\x00"
           + b"\x04\x03" + struct.pack(">H", len(signature)) + signature)
    entry = struct.pack(">H", len(sct)) + sct
    listed = struct.pack(">H", len(entry)) + entry
    return b"\x04" + bytes([len(listed)]) + listed
