#!/usr/bin/env python3
"""A frab schedule XML of N sessions in R rooms around the current time, for now_page.sh.

Why generated: the now page's cost grows with the sessions it looks at; a fixed file would
drift out of "now". Sessions are 20 minutes back to back per room, starting 8 hours before
the current hour (UTC), so every room has one running now and many before and after.

Usage: gen_schedule.py SESSIONS ROOMS > schedule.xml   (standard library only)
"""
import sys
import uuid
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

n, rooms = int(sys.argv[1]), int(sys.argv[2])
start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=8)
events = {}
for i in range(n):
    room = i % rooms
    t = start + timedelta(minutes=20 * (i // rooms))
    events.setdefault(t.date(), []).append((room, i, t))
out = ['<?xml version="1.0" encoding="UTF-8"?>', "<schedule>", "  <version>bench</version>",
       "  <conference>", "    <title>Bench conference</title>", "    <acronym>bench</acronym>",
       f"    <start>{min(events)}</start>", f"    <end>{max(events)}</end>",
       f"    <days>{len(events)}</days>", "    <timeslot_duration>00:05</timeslot_duration>",
       "    <time_zone_name>UTC</time_zone_name>", "  </conference>"]
for idx, day in enumerate(sorted(events), 1):
    out.append(f'  <day index="{idx}" date="{day}" start="{day}T00:00:00+00:00" end="{day}T23:59:59+00:00">')
    for room in range(rooms):
        out.append(f'    <room name="Room {room + 1}">')
        for r, i, t in events[day]:
            if r != room:
                continue
            title = f"Session {i}: scaling the plumbing of subsystem {i % 97} & friends"
            out += [f'      <event guid="{uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{i}")}" id="{10000 + i}">',
                    f"        <date>{t.isoformat()}</date>", f"        <start>{t:%H:%M}</start>",
                    "        <duration>00:20</duration>", f"        <room>Room {room + 1}</room>",
                    f"        <slug>bench-{i}</slug>", f"        <title>{escape(title)}</title>",
                    "        <subtitle></subtitle>", f"        <track>Track {i % 7}</track>",
                    "        <type>Talk</type>", "        <language>en</language>",
                    f"        <abstract>{escape('An abstract of a few sentences about ' + title + '.')}</abstract>",
                    "        <description></description>",
                    f'        <persons><person id="{20000 + i}">Speaker {i}</person></persons>',
                    "        <links></links>", "      </event>"]
        out.append("    </room>")
    out.append("  </day>")
out.append("</schedule>")
print("\n".join(out))
