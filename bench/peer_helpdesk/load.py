"""Loads the helpdesk peer's database (run by bench/bench_helpdesk.py prepare, with
.venv-helpdesk's python, DATABASE_URL and DJANGO_SECRET_KEY set; the database migrated).

    load.py TOTAL INFO_JSON

People through the ORM (so helpdesk's signals give each its UserSettings): one staff user,
helpdesk_staff, who sees every queue (HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION is off by
default), and 30 staff agents the tickets are assigned to. Submitters are e-mail addresses, as
helpdesk's tickets mostly are, not accounts. Four queues. Then TOTAL tickets in one
INSERT … SELECT generate_series: two years of history, about 3 % open (60 % of the last 5,000),
titles and descriptions from a fixed list, and their followups as helpdesk writes them (the
"Ticket Opened" one for each; one that resolves or closes for each ticket not open). VACUUM
ANALYZE, and a signed-in session of helpdesk_staff written into INFO_JSON.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_helpdesk.settings")

QUEUES = [
    ("Plumbing", "plumbing"),
    ("Electrical", "electrical"),
    ("Network", "network"),
    ("Furniture and rooms", "furniture"),
]
TITLES = [
    "Light does not turn on, switch has no effect",
    "Water pipe in the bathroom is leaking",
    "Air conditioner does not cool",
    "Door lock is broken, key does not go in",
    "Wi-Fi keeps dropping in the evening",
    "Window does not close, draught at night",
    "Socket sparks, power switched off",
    "The desk drawer is broken",
    "No hot water from the water heater",
    "Radiator leaking onto the floor below",
    "Drain blocked, sink empties very slowly",
    "Ceiling light tube flickers",
    "Shower head leaks at the joint",
    "Wardrobe door came off",
    "Network port has no signal",
    "Toilet keeps running",
    "Balcony clothes rail is loose",
    "Fan is slow and makes a noise",
    "The heating is too weak in the room",
    "Bed board is broken",
]
DESCRIPTION = (
    "{title}. Reported from the residence office; the student is in the room on weekday "
    "evenings and agrees to entry with the warden present. Please bring spare parts if you can."
)
# status: 1 open, 2 reopened, 3 resolved, 4 closed, 5 duplicate (helpdesk's defaults)
OPEN = [1, 1, 1, 1, 2]
DONE = [4] * 14 + [3] * 4 + [5]

INSERT_TICKETS = """
INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold,
    description, resolution, priority, due_date, last_escalation, assigned_to_id, queue_id,
    secret_key, kbitem_id, merged_to_id)
SELECT
    (%(titles)s::text[])[1 + (i * 7) %% %(n_titles)s],
    t.created,
    CASE WHEN s.status IN (1, 2) THEN t.created + interval '2 hours'
         ELSE t.created + interval '30 hours' END,
    'student' || ((i * 7919) %% 2000) || '@campus.example.edu',
    s.status, false,
    replace(%(description)s, '{title}', (%(titles)s::text[])[1 + (i * 7) %% %(n_titles)s]),
    CASE WHEN s.status IN (3, 4) THEN 'Fixed on site.' ELSE '' END,
    CASE WHEN i %% 17 = 0 THEN 2 ELSE 3 END,
    CASE WHEN i %% 20 = 0 THEN NULL ELSE t.created + interval '48 hours' END,
    NULL,
    CASE WHEN s.status = 1 AND i %% 3 = 0 THEN NULL
         ELSE (%(agents)s::int[])[1 + (i * 3) %% %(n_agents)s] END,
    (%(queues)s::int[])[1 + (i * 13) %% %(n_queues)s],
    gen_random_uuid()::text, NULL, NULL
FROM generate_series(1::bigint, %(total)s::bigint) AS i,
LATERAL (SELECT now() - (%(total)s - i) * %(step)s * interval '1 second' AS created) AS t,
LATERAL (SELECT CASE
    WHEN i > %(total)s - %(recent)s AND i %% 10 < 6 THEN (%(open)s::int[])[1 + i %% 5]
    ELSE (%(done)s::int[])[1 + (i / 7) %% %(n_done)s] END AS status) AS s
ORDER BY i
"""

INSERT_FOLLOWUPS = """
INSERT INTO helpdesk_followup (date, title, comment, public, new_status, ticket_id, user_id,
                               message_id, time_spent, email_recipients)
SELECT created, 'Ticket Opened', description, true, NULL::int, id, NULL::int, NULL, NULL::interval,
       NULL::jsonb
FROM helpdesk_ticket
UNION ALL
SELECT modified,
       CASE status WHEN 3 THEN 'Resolved' WHEN 5 THEN 'Duplicate' ELSE 'Closed' END,
       'Fixed on site, checked with the student.', true, status, id, assigned_to_id, NULL,
       interval '45 minutes', NULL::jsonb
FROM helpdesk_ticket WHERE status NOT IN (1, 2)
ORDER BY 1
"""


def main() -> None:
    total, info_file = int(sys.argv[1]), Path(sys.argv[2])
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from helpdesk.models import FollowUp, Queue, Ticket

    staff, _created = User.objects.get_or_create(
        username="helpdesk_staff",
        defaults={"email": "staff@campus.example.edu", "is_staff": True},
    )
    for n in range(30):
        User.objects.get_or_create(
            username=f"agent{n:02d}",
            defaults={"email": f"agent{n:02d}@campus.example.edu", "is_staff": True},
        )
    agents = User.objects.filter(username__startswith="agent").order_by("pk")
    agents = list(agents.values_list("pk", flat=True))
    for title, slug in QUEUES:
        Queue.objects.get_or_create(slug=slug, defaults={"title": title})
    queues = list(Queue.objects.order_by("pk").values_list("pk", flat=True))
    if not Ticket.objects.exists():
        params = {
            "titles": TITLES,
            "n_titles": len(TITLES),
            "description": DESCRIPTION,
            "agents": agents,
            "n_agents": len(agents),
            "queues": queues,
            "n_queues": len(queues),
            "open": OPEN,
            "done": DONE,
            "n_done": len(DONE),
            "recent": 5000,
            "total": total,
            "step": 2 * 365 * 86400 // total,
        }
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INSERT_TICKETS, params)
            cursor.execute(INSERT_FOLLOWUPS)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
        cursor.execute("VACUUM ANALYZE helpdesk_followup")
        cursor.execute("ANALYZE")

    # a session as django.contrib.auth.login writes it
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    store = engine.SessionStore()
    store[SESSION_KEY] = str(staff.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    store.set_expiry(30 * 86400)
    store.save()
    import django as django_module
    import helpdesk

    info = {
        "database": connection.settings_dict["NAME"],
        "tickets": Ticket.objects.count(),
        "open": Ticket.objects.filter(status__in=[1, 2]).count(),
        "followups": FollowUp.objects.count(),
        "queues": len(queues),
        "users": User.objects.count(),
        "django": django_module.get_version(),
        "helpdesk": getattr(helpdesk, "__version__", "2.6.1"),
        "cookies": {"helpdesk_staff": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"},
    }
    info_file.parent.mkdir(parents=True, exist_ok=True)
    info_file.write_text(json.dumps(info, indent=1))
    print(json.dumps({k: v for k, v in info.items() if k != "cookies"}), file=sys.stderr)


if __name__ == "__main__":
    main()
