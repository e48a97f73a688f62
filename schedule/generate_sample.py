#!/usr/bin/env python3
"""Generate hallway's fictional sample conference as frab schedule XML.

Why: the portal needs a realistic, license-clean schedule in the shape of the
Linux Plumbers Conference (7 parallel rooms, microconferences as tracks) for
demos, tests and screenshots. Everything here is invented.

Usage:  python3 schedule/generate_sample.py > schedule/sample-conference.xml

Deterministic: no randomness, no clock; guids are UUIDv5 of title + slot, so
regenerating gives a byte-identical file. Python 3 standard library only.
"""

import re
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from xml.sax.saxutils import escape, quoteattr

TITLE = "Hallway Plumbers Sample Conference 2026"
ACRONYM = "hpsc2026"
BASE_URL = "https://hpsc2026.example.org/"
OFFSET = timezone(timedelta(hours=2))  # Europe/Vienna in September (CEST)
DAYS = [date(2026, 9, 15), date(2026, 9, 16), date(2026, 9, 17)]
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hallway.example/sample/hpsc2026")

ROOMS = [
    "Refereed Track",
    "Kernel Summit",
    "Networking & BPF",
    "Toolchains",
    "Microconference 1",
    "Microconference 2",
    "Microconference 3",
]

# Session windows (local time): 09:00-10:30, break, 11:00-12:30, lunch,
# 13:30-18:30. Slot lengths (minutes) per room kind; each list fills its window.
PLANS = {
    "Refereed Track": ([45, 45], [45, 45], [45, 45, 45, 45, 30, 45, 45]),
    "Kernel Summit": ([30, 30, 30], [30, 30, 30], [60, 30, 30, 60, 30, 30, 60]),
    "Networking & BPF": ([30, 60], [45, 45], [45, 45, 30, 60, 30, 45, 45]),
    "Toolchains": ([60, 30], [30, 60], [60, 60, 30, 30, 60, 60]),
    "MC": ([30, 30, 30], [30, 30, 30], [30, 30, 30, 30, 60, 30, 30, 30, 30]),
}
WINDOWS = [(9, 0), (11, 0), (13, 30)]

# One microconference per room per half-day: (day, half) -> three MCs.
MICROCONFERENCES = [
    "RISC-V",
    "Real-time and Scheduling",
    "Containers and Checkpoint/Restore",
    "Kernel Testing & Dependability",
    "Power Management and Thermal",
    "Rust for Linux",
    "Confidential Computing",
    "System Boot and Security",
    "IoTs a la Plumbers",
    "VFIO/IOMMU/PCI",
    "Tracing and Observability",
    "File Systems and Storage",
    "Live Patching",
    "Graphics and Display",
    "Android and Mobile",
    "Memory Management",
    "Compute Express Link",
    "Embedded Boot Loaders",
]

# Subjects per track; titles are built from a subject and a phrasing pattern.
SUBJECTS = {
    "RISC-V": ["vector extension context switching", "the SBI firmware interface", "hypervisor extension support", "ACPI on RISC-V servers", "user-space CFI shadow stacks", "kernel page table layout", "errata handling for early silicon", "perf counters and the SSCOFPMF extension", "cross-building distribution images"],
    "Real-time and Scheduling": ["PREEMPT_RT in mainline", "deadline server for fair tasks", "proxy execution", "latency measurement on idle systems", "priority inheritance for futexes", "the EEVDF scheduler", "timer slack for audio workloads", "CPU isolation with nohz_full", "scheduler hints from user space"],
    "Containers and Checkpoint/Restore": ["idmapped mounts", "checkpointing GPU state", "pidfd-based process management", "rootless container networking", "seccomp notifier performance", "restoring TCP connections", "cgroup v2 delegation", "mount namespace propagation", "user namespaces for unprivileged builds"],
    "Kernel Testing & Dependability": ["KUnit coverage for drivers", "syzkaller reproducers in CI", "regression tracking across stable trees", "kselftest on small boards", "fault injection at scale", "test result databases", "flaky test triage", "sanitizers in production kernels", "bisecting with limited hardware"],
    "Power Management and Thermal": ["energy-aware scheduling on laptops", "runtime PM for PCI devices", "thermal pressure signals", "suspend-to-idle debugging", "cpufreq governors for hybrid CPUs", "battery health reporting", "the powercap framework", "idle state selection heuristics", "device wakeup latency"],
    "Rust for Linux": ["safe abstractions for block drivers", "Rust in the networking stack", "pinned initialisation", "bindgen and kernel headers", "error handling conventions", "a Rust NVMe driver", "the build system and Rust toolchains", "lifetimes for DMA buffers", "reviewing Rust patches"],
    "Confidential Computing": ["TDX guest support", "SEV-SNP live migration", "attestation for VMs", "trusted I/O for devices", "memory encryption overheads", "confidential containers", "secure boot for guests", "the COCONUT secure VM service module", "debugging encrypted guests"],
    "System Boot and Security": ["measured boot with TPM 2.0", "unified kernel images", "Secure Boot key rotation", "early boot entropy", "boot time reduction", "integrity of initramfs", "firmware update pipelines", "IMA appraisal policies", "kexec and handover"],
    "IoTs a la Plumbers": ["Zephyr and Linux side by side", "over-the-air updates", "Matter on embedded Linux", "low-power radios and the kernel", "device trees for small boards", "sensor frameworks", "long-term maintenance of products", "reproducible firmware images", "IIO drivers for hobbyists"],
    "VFIO/IOMMU/PCI": ["IOMMUFD adoption", "PCI device reset quirks", "shared virtual addressing", "SR-IOV for accelerators", "live update of passthrough devices", "ATS and page request handling", "interrupt remapping", "PCIe hotplug reliability", "nested translation"],
    "Tracing and Observability": ["eprobes and fprobes", "user events", "trace buffer persistence across reboot", "BTF for modules", "sampling without frame pointers", "SFrame unwinding", "tracing in containers", "ftrace in production", "perf and hybrid PMUs"],
    "File Systems and Storage": ["large folios in page cache", "atomic writes", "zoned block devices", "io_uring for file systems", "NFS server scalability", "bcachefs status", "fscrypt and hardware keys", "block layer cgroups", "online repair"],
    "Live Patching": ["livepatch for arm64", "klp-convert", "shadow variables", "consistency model corner cases", "patch generation tooling", "livepatch and BPF", "testing patches at scale", "atomic replace", "reliable stack traces"],
    "Graphics and Display": ["DRM scheduler rework", "HDR and colour pipelines", "Rust GPU drivers", "explicit synchronisation", "display hotplug", "GPU reset recovery", "accelerator subsystem", "KMS for embedded panels", "Mesa and kernel uAPI"],
    "Android and Mobile": ["Generic Kernel Image updates", "vendor hooks", "memory pressure in apps", "binder performance", "16 KiB page sizes", "thermal policy on phones", "boot image formats", "upstreaming phone SoCs", "debugging wakelocks"],
    "Memory Management": ["memory tiering", "multi-size THP", "per-VMA locking", "slab allocator changes", "memory cgroup reclaim", "guest memfd", "hugetlb unification", "page table reclaim", "swap on zoned devices"],
    "Compute Express Link": ["CXL memory pooling", "RAS for CXL devices", "dynamic capacity", "CXL and NUMA policy", "firmware first errors", "type 2 accelerators", "region provisioning", "poison handling", "CXL in virtual machines"],
    "Embedded Boot Loaders": ["U-Boot and EFI", "verified boot chains", "boot loader device trees", "A/B update schemes", "SPL size limits", "network boot for labs", "barebox in products", "standard boot flows", "EFI capsule updates"],
    "Refereed Track": ["a lock-free ring buffer for many producers", "ten years of kernel fuzzing", "packaging kernels for immutable distributions", "the cost of Spectre mitigations today", "scaling Git for the kernel community", "energy accounting for data centres", "maintainer burnout and succession", "sched_ext in production", "a new page allocator design", "kernel documentation that people read", "reproducible builds for distribution kernels", "hardware bring-up with open firmware", "faster boot for cloud instances", "latency budgets in audio stacks", "secure update pipelines for fleets", "the state of the kernel's C dialect", "large-scale refactoring with Coccinelle", "the future of 32-bit architectures", "telemetry without surveillance", "the lifetime of a patch", "container runtimes and the kernel", "open hardware for CI labs", "memory safety in C code"],
    "Kernel Summit": ["the maintainers' workflow", "stable kernel process", "handling CVE assignments", "Rust maintainership", "mailing list tooling", "regression tracking", "documentation review", "the merge window", "licensing hygiene", "code of conduct reports", "deprecating old drivers", "onboarding new maintainers", "review bandwidth", "testing expectations for merges"],
    "Networking & BPF": ["BPF arena allocations", "XDP on virtual NICs", "TCP congestion control in BPF", "netkit devices", "BPF token delegation", "page pool memory providers", "devmem TCP", "BPF signing", "multipath TCP in distributions", "socket lookup programs", "netdev queue APIs", "BPF verifier precision", "tc and BPF links", "zero-copy receive"],
    "Toolchains": ["GCC and Clang feature parity", "link-time optimisation for the kernel", "kCFI and FineIBT", "DWARF size reduction", "the kernel's use of C11 atomics", "sanitizer runtime support", "profile-guided kernels", "BPF backends in GCC", "Rust codegen options", "objtool and validation", "compiler attributes for bounds", "minimum toolchain versions"],
}

PATTERNS = [
    "{S}: status and next steps",
    "Upstreaming {s}",
    "Lessons learned from {s}",
    "{S} in practice",
    "What is missing for {s}?",
    "Rethinking {s}",
    "{S}: a proposal",
    "Making {s} boring",
    "{S} — open questions",
]

KS_PATTERNS = [
    "{S}",
    "{S}: where do we go from here?",
    "{S} — a discussion",
    "Revisiting {s}",
    "{S}: what changed this year",
]

FIRST = ["Sølvi", "Zoë", "Amara", "Jörn", "Ingrid", "Mateus", "Kenji", "Priya", "Ólafur", "Lucía", "Tomasz", "Hannelore", "Björn", "Chiara", "Dmitri", "Aoife", "Rafał", "Mei", "Nnamdi", "Élodie", "Kalle", "Fatima", "Radek", "Yuki", "Gaëlle", "Henrik", "Asha", "Şebnem", "Piotr", "Noémie"]
LAST = ["Ångström", "Nakamura-Brandt", "Okonkwo", "Rödelheim", "Falkvinge", "Carvalho", "Hoshino", "Raghunathan", "Þórsson", "Etxeberria", "Wiśniewski", "Grünwald", "Lindqvist", "Bellandi", "Volkonsky", "Ní Bhriain", "Kowalczyk", "Zhou", "Adebayo", "Marchetti", "Kähkönen", "Haddad", "Dvořák", "Takahashi", "Le Bihan", "Søndergaard", "Menon", "Yılmaz", "Zieliński", "Fournier"]

OPENERS = [
    "This session looks at {s} and where the upstream work stands.",
    "We present the current state of {s} and the patches queued for the next merge window.",
    "Over the last year {s} moved from an idea to code running on real machines.",
    "{S} keeps coming up on the mailing lists, so it is time to talk about it face to face.",
]
MIDDLES = [
    "We will walk through the design, the trade-offs we made and the benchmarks we ran.",
    "The speakers summarise what worked, what did not, and what reviewers asked for.",
    "Expect a short overview followed by a discussion of the open problems.",
    "Several distributions already carry parts of this work out of tree.",
]
CLOSERS = [
    "The goal is to agree on a plan that maintainers can accept.",
    "Bring your use cases; the second half is reserved for questions.",
    "",
    "Feedback from people running this in production is especially welcome.",
]


def cap(s):
    return s[:1].upper() + s[1:]


def slugify(s):
    s = s.lower()
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")[:60].strip("-")


def person(n):
    """Deterministic invented speaker number n -> (id, name)."""
    fi = n % len(FIRST)
    li = (n * 7 + n // len(FIRST)) % len(LAST)
    return 2000 + fi * len(LAST) + li, f"{FIRST[fi]} {LAST[li]}"


def abstract_for(n, subject):
    parts = [
        OPENERS[n % len(OPENERS)].format(s=subject, S=cap(subject)),
        MIDDLES[(n // 2) % len(MIDDLES)],
        CLOSERS[(n // 3) % len(CLOSERS)],
    ]
    text = " ".join(p for p in parts if p)
    if n == 17:
        # Exercises sanitising: imported HTML must never be rendered as is.
        return text + " <script>alert('hallway')</script> Slides will be posted afterwards."
    if n % 23 == 5:
        return f"<p>{parts[0]}</p><p>{parts[1]} <em>Work in progress.</em></p>"
    return text


def slot_list():
    """Yield (day_index, day, room, half, start_dt, minutes, position_in_block)."""
    for di, day in enumerate(DAYS):
        for room in ROOMS:
            plan = PLANS["MC" if room.startswith("Microconference") else room]
            for wi, (slots, (h, m)) in enumerate(zip(plan, WINDOWS)):
                t = datetime(day.year, day.month, day.day, h, m, tzinfo=OFFSET)
                for pos, minutes in enumerate(slots):
                    yield di, day, room, (0 if wi < 2 else 1), wi, t, minutes, pos
                    t += timedelta(minutes=minutes)


def track_for(di, room, half):
    if room.startswith("Microconference"):
        mc_index = int(room[-1]) - 1
        return MICROCONFERENCES[(di * 2 + half) * 3 + mc_index]
    return room


def kind_for(di, room, wi, pos, minutes):
    if room == "Refereed Track" and di == 0 and wi == 0 and pos == 0:
        return "Keynote"
    if room.startswith("Microconference"):
        return "BoF" if minutes == 60 else "Microconference"
    if minutes == 60 and room in ("Kernel Summit", "Toolchains"):
        return "BoF"
    return "Talk"


def build_events():
    events = []
    counters = {}
    n = 0
    for di, day, room, half, wi, start, minutes, pos in slot_list():
        track = track_for(di, room, half)
        kind = kind_for(di, room, wi, pos, minutes)
        k = counters.get(track, 0)
        counters[track] = k + 1
        subjects = SUBJECTS[track]
        subject = subjects[k % len(subjects)]
        if kind == "Keynote":
            title = "Keynote: Thirty years of plumbing"
            subject = "thirty years of Linux plumbing"
        else:
            patterns = KS_PATTERNS if room == "Kernel Summit" else PATTERNS
            # A subject recurs every len(subjects) slots; shift the phrasing each round.
            shift = (k % len(subjects)) * 4 + k // len(subjects) + len(track)
            pattern = patterns[shift % len(patterns)]
            title = pattern.format(s=subject, S=cap(subject))
            if kind == "BoF":
                title = f"BoF: {title}"
        speakers = [person(n * 3 + j) for j in range(1 + (n % 3 if kind != "Keynote" else 0))]
        events.append(
            dict(
                day_index=di,
                day=day,
                room=room,
                start=start,
                minutes=minutes,
                title=title,
                track=track,
                kind=kind,
                persons=speakers,
                abstract=abstract_for(n, subject),
            )
        )
        n += 1
    for i, ev in enumerate(events):
        ev["id"] = 1001 + i
        slot = f"{ev['start'].isoformat()}|{ev['room']}"
        ev["guid"] = str(uuid.uuid5(NAMESPACE, f"{ev['title']}|{slot}"))
        ev["slug"] = f"{ACRONYM}-{ev['id']}-{slugify(ev['title'])}"
    return events


def main():
    events = build_events()
    out = []
    w = out.append
    w('<?xml version="1.0" encoding="UTF-8"?>')
    w("<!-- Fictional sample conference for hallway; generated by schedule/generate_sample.py. -->")
    w("<schedule>")
    w('  <generator name="hallway-sample" version="1"/>')
    w("  <version>2026-09-01 sample 1</version>")
    w("  <conference>")
    w(f"    <title>{escape(TITLE)}</title>")
    w(f"    <acronym>{ACRONYM}</acronym>")
    w("    <start>2026-09-15</start>")
    w("    <end>2026-09-17</end>")
    w("    <days>3</days>")
    w("    <timeslot_duration>00:15</timeslot_duration>")
    w(f"    <base_url>{BASE_URL}</base_url>")
    w("    <time_zone_name>Europe/Vienna</time_zone_name>")
    w("  </conference>")
    for di, day in enumerate(DAYS):
        ds = datetime(day.year, day.month, day.day, 9, 0, tzinfo=OFFSET).isoformat()
        de = datetime(day.year, day.month, day.day, 18, 30, tzinfo=OFFSET).isoformat()
        w(f'  <day index="{di + 1}" date="{day.isoformat()}" start="{ds}" end="{de}">')
        for room in ROOMS:
            room_events = [e for e in events if e["day_index"] == di and e["room"] == room]
            w(f"    <room name={quoteattr(room)}>")
            for e in room_events:
                h, m = divmod(e["minutes"], 60)
                w(f'      <event guid="{e["guid"]}" id="{e["id"]}">')
                w(f"        <date>{e['start'].isoformat()}</date>")
                w(f"        <start>{e['start'].strftime('%H:%M')}</start>")
                w(f"        <duration>{h:02d}:{m:02d}</duration>")
                w(f"        <room>{escape(room)}</room>")
                w(f"        <slug>{e['slug']}</slug>")
                w(f"        <url>{BASE_URL}talk/{e['id']}/</url>")
                w(f"        <title>{escape(e['title'])}</title>")
                w("        <subtitle></subtitle>")
                w(f"        <track>{escape(e['track'])}</track>")
                w(f"        <type>{e['kind']}</type>")
                w("        <language>en</language>")
                w(f"        <abstract>{escape(e['abstract'])}</abstract>")
                w("        <description></description>")
                w("        <recording>")
                w("          <license></license>")
                w("          <optout>false</optout>")
                w("        </recording>")
                w("        <persons>")
                for pid, name in e["persons"]:
                    w(f'          <person id="{pid}">{escape(name)}</person>')
                w("        </persons>")
                w("        <links></links>")
                w("        <attachments></attachments>")
                w("      </event>")
            w("    </room>")
        w("  </day>")
    w("</schedule>")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
