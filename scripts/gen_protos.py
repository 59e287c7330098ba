"""Generates Python code for the protos aichain uses into the ignored folder gen/.

Third-party .proto files are never copied into the repo: they are read from the Go module
cache of the versions pinned in scripts/versions.env (`go mod download -json MOD@VER` gives
the directory). google/protobuf/* comes with grpcio-tools and google/api/* with
googleapis-common-protos, whose generated modules are already installed, so neither is
generated here. Only the roots below and their transitive imports are compiled. A .pth file
in the venv puts gen/ on sys.path. The step is skipped when its inputs have not changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN = REPO / "gen"
STAMP = GEN / ".stamp"

ROOTS = [
    "tendermint/abci/types.proto",
    "tendermint/types/block.proto",
    "tendermint/p2p/types.proto",
    "cosmos/tx/v1beta1/tx.proto",
    "cosmos/tx/v1beta1/service.proto",
    "cosmos/tx/signing/v1beta1/signing.proto",
    "cosmos/crypto/secp256k1/keys.proto",
    "cosmos/crypto/ed25519/keys.proto",
    "cosmos/auth/v1beta1/auth.proto",
    "cosmos/auth/v1beta1/query.proto",
    "cosmos/auth/v1beta1/genesis.proto",
    "cosmos/auth/v1beta1/tx.proto",
    "cosmos/bank/v1beta1/bank.proto",
    "cosmos/bank/v1beta1/tx.proto",
    "cosmos/bank/v1beta1/query.proto",
    "cosmos/bank/v1beta1/genesis.proto",
    "cosmos/base/abci/v1beta1/abci.proto",
    "cosmos/base/tendermint/v1beta1/query.proto",
    "cosmos/staking/v1beta1/staking.proto",
    "cosmos/staking/v1beta1/tx.proto",
    "cosmos/staking/v1beta1/query.proto",
    "cosmos/staking/v1beta1/genesis.proto",
    "cosmos/distribution/v1beta1/distribution.proto",
    "cosmos/distribution/v1beta1/tx.proto",
    "cosmos/distribution/v1beta1/query.proto",
    "cosmos/distribution/v1beta1/genesis.proto",
    "cosmos/slashing/v1beta1/slashing.proto",
    "cosmos/slashing/v1beta1/tx.proto",
    "cosmos/slashing/v1beta1/query.proto",
    "cosmos/slashing/v1beta1/genesis.proto",
    "cosmos/mint/v1beta1/mint.proto",
    "cosmos/mint/v1beta1/tx.proto",
    "cosmos/mint/v1beta1/query.proto",
    "cosmos/mint/v1beta1/genesis.proto",
]
"""Proto files aichain uses directly; their imports are followed."""

PROVIDED_PREFIXES = ("google/protobuf/", "google/api/")
"""Imports satisfied by installed packages (grpcio-tools, googleapis-common-protos)."""

IMPORT_RE = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.MULTILINE)


def read_pins() -> dict[str, str]:
    """Reads scripts/versions.env into a dict."""
    pins = {}
    for line in (REPO / "scripts" / "versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pins[key] = value
    return pins


def module_dir(module: str, version: str) -> Path:
    """Downloads a pinned Go module (if needed) and returns its directory in the cache."""
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    ).stdout
    return Path(json.loads(out)["Dir"])


def import_roots(pins: dict[str, str]) -> list[Path]:
    """The include paths, one per pinned module, in lookup order."""
    return [
        module_dir("github.com/cometbft/cometbft", pins["COMETBFT_VERSION"]) / "proto",
        module_dir("github.com/cosmos/cosmos-sdk", pins["COSMOS_SDK_VERSION"]) / "proto",
        module_dir("github.com/cosmos/gogoproto", pins["GOGOPROTO_VERSION"]),
        module_dir("github.com/cosmos/cosmos-proto", pins["COSMOS_PROTO_VERSION"]) / "proto",
    ]


def own_protos() -> list[str]:
    """The project's own .proto files, relative to proto/."""
    base = REPO / "proto"
    return sorted(str(p.relative_to(base)) for p in base.rglob("*.proto"))


def resolve(name: str, roots: list[Path]) -> Path:
    """Finds an imported proto file under the include roots."""
    for root in roots:
        if (root / name).is_file():
            return root / name
    raise SystemExit(f"error: cannot find {name} under {', '.join(map(str, roots))}")


def closure(start: list[str], roots: list[Path]) -> list[str]:
    """All proto files reachable from `start` through imports, minus provided ones."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen or name.startswith(PROVIDED_PREFIXES):
            continue
        seen.add(name)
        todo.extend(IMPORT_RE.findall(resolve(name, roots).read_text()))
    return sorted(seen)


def fingerprint(files: list[str], roots: list[Path]) -> str:
    """A hash over this script, the pins and every input file."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update((REPO / "scripts" / "versions.env").read_bytes())
    for name in files:
        h.update(name.encode())
        h.update(resolve(name, roots).read_bytes())
    return h.hexdigest()


def write_pth() -> None:
    """Puts gen/ on the venv's sys.path."""
    site = Path(sysconfig.get_paths()["purelib"])
    (site / "aichain_gen.pth").write_text(str(GEN) + "\n")


def main() -> None:
    """Generates (or confirms up to date) the Python protobuf and gRPC modules."""
    from grpc_tools import protoc  # imported here: only needed when generating

    roots = [REPO / "proto", *import_roots(read_pins())]
    files = closure(ROOTS + own_protos(), roots)
    digest = fingerprint(files, roots)
    write_pth()
    if STAMP.is_file() and STAMP.read_text() == digest:
        return
    print(f"==> generating Python code for {len(files)} proto files into gen/")
    GEN.mkdir(exist_ok=True)
    import google.api  # googleapis-common-protos ships google/api/*.proto beside its modules

    well_known = Path(protoc.__file__).parent / "_proto"
    googleapis = Path(next(iter(google.api.__path__))).parent.parent
    args = [
        "grpc_tools.protoc",
        *[f"-I{r}" for r in roots],
        f"-I{well_known}",
        f"-I{googleapis}",
        f"--python_out={GEN}",
        f"--pyi_out={GEN}",
        f"--grpc_python_out={GEN}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("error: protoc failed")
    for d in sorted({p.parent for p in GEN.rglob("*_pb2.py")}):
        for parent in [d, *d.parents]:
            if parent == GEN:
                break
            (parent / "__init__.py").touch()
    STAMP.write_text(digest)


if __name__ == "__main__":
    sys.exit(main())
