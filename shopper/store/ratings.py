"""What a shopper's rating is built from (domain/rating.py): each visit they sent, with
how often head office returned it, corrected an answer in review, whether it was first
sent after its window (a visit sent again after a return is not late for that), and how
many of its findings a branch's appeal overturned. Reads only."""

from __future__ import annotations

from shopper.store.connection import Database


def visit_records(db: Database, shopper_id: int) -> list[dict]:
    return list(db.query(
        """SELECT v.visit_date,
                  (SELECT COUNT(*) FROM audit_log l WHERE l.visit_id = v.id
                   AND l.action = 'status:returned') AS returned,
                  (SELECT COUNT(*) FROM audit_log l WHERE l.visit_id = v.id
                   AND l.action = 'answer_corrected'
                   AND json_extract(l.after, '$.appeal_id') IS NULL) AS corrected,
                  (SELECT COUNT(*) FROM appeals ap WHERE ap.visit_id = v.id
                   AND ap.status = 'overturned') AS overturned,
                  COALESCE((SELECT substr(MIN(l.at), 1, 10) FROM audit_log l
                            WHERE l.visit_id = v.id AND l.action = 'status:submitted')
                           > a.window_end, 0) AS late
           FROM visits v LEFT JOIN assignments a ON a.id = v.assignment_id
           WHERE v.shopper_id = ? AND v.submitted_at IS NOT NULL
           ORDER BY v.visit_date""", [shopper_id]))
