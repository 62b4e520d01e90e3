/**
 * Certificates for the TLS tests, made with `openssl` in a temporary
 * directory: a CA, a server certificate it signs (for `localhost` and
 * 127.0.0.1), a client certificate it signs, and a second, unrelated CA.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"

export interface Certificates {
  readonly dir: string
  readonly caFile: string
  readonly otherCaFile: string
  readonly serverCertFile: string
  readonly serverKeyFile: string
  readonly clientCertFile: string
  readonly clientKeyFile: string
}

const openssl = (dir: string, args: ReadonlyArray<string>) =>
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })

// EC keys: made in milliseconds, where RSA keys take a while on a loaded machine.
const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

const selfSignedCa = (dir: string, name: string) =>
  openssl(dir, [
    "req",
    "-x509",
    ...newKey,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`
  ])

const signed = (dir: string, name: string, extensions: string) => {
  openssl(dir, ["req", ...newKey, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`])
  writeFileSync(join(dir, `${name}.ext`), extensions)
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`
  ])
}

/** Makes the certificates for the scope; the directory goes with it. */
export const certificates: Effect.Effect<Certificates, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "effect-pulse-tls-"))
    selfSignedCa(dir, "ca")
    selfSignedCa(dir, "other-ca")
    signed(dir, "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    signed(dir, "client", "extendedKeyUsage=clientAuth\n")
    return {
      dir,
      caFile: join(dir, "ca.pem"),
      otherCaFile: join(dir, "other-ca.pem"),
      serverCertFile: join(dir, "server.pem"),
      serverKeyFile: join(dir, "server.key"),
      clientCertFile: join(dir, "client.pem"),
      clientKeyFile: join(dir, "client.key")
    }
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)
