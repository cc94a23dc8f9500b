//! Review decisions that race: a stale version is refused with 409 and leaves the row as it
//! was, racing decisions have exactly one winner per fact, decisions queued together commit
//! as a group in order, and one the database refuses fails alone.
//!
//! In-process (`app(state).oneshot`), on a fresh database per test: every test body runs on
//! SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::http::StatusCode;
use common::*;
use jixiao::review::Decision;
use jixiao::store::{Role, StoreError};
use serde_json::{Value, json};

both_backends!(
    stale_version_is_409_and_row_unchanged,
    racing_decisions_on_many_facts,
    successive_decisions_in_one_group,
    a_refused_decision_fails_alone,
);

async fn stale_version_is_409_and_row_unchanged(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let b = token(&db, Role::Assessor, "乙").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let fact = first_of(&st, &a, doc, "amount").await;
    let id = &fact["id"];
    let r = call(
        &st,
        "POST",
        &format!("/api/facts/{id}/confirm"),
        Some(&a),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let after_first = call(&st, "GET", &format!("/api/facts/{id}"), Some(&a), None)
        .await
        .json();

    // 乙 still holds version 1: every verb is refused.
    for (verb, body) in [
        ("confirm", json!({"version": 1})),
        ("reject", json!({"version": 1, "reason": "wrong_value"})),
        ("correct", json!({"version": 1, "value": "1"})),
        ("undo", json!({"version": 1})),
    ] {
        let r = call(
            &st,
            "POST",
            &format!("/api/facts/{id}/{verb}"),
            Some(&b),
            Some(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{verb}");
        let e = r.json();
        assert_eq!(e["error"]["code"], "version_conflict");
        assert_eq!(e["error"]["details"]["current_version"], 2);
    }
    let now = call(&st, "GET", &format!("/api/facts/{id}"), Some(&a), None)
        .await
        .json();
    assert_eq!(now, after_first);
    let h = history_of(&st, &a, id).await;
    assert_eq!(h.len(), 1);

    // Concurrent decisions on one version: exactly one wins.
    let fact2 = first_of(&st, &a, doc, "count").await;
    let id2 = fact2["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for t in [a.clone(), b.clone(), a.clone(), b.clone()] {
        let st = st.clone();
        tasks.push(tokio::spawn(async move {
            call(
                &st,
                "POST",
                &format!("/api/facts/{id2}/confirm"),
                Some(&t),
                Some(json!({"version": 1})),
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::OK => ok += 1,
            s => assert_eq!(s, StatusCode::CONFLICT),
        }
    }
    assert_eq!(ok, 1);
}

/// Decisions arriving together are committed together, but each is still its own
/// compare-and-set: of three racing decisions on one version exactly one wins, on every fact.
async fn racing_decisions_on_many_facts(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let b = token(&db, Role::Assessor, "乙").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts: Vec<Value> = facts_of(&st, &a, doc).await.into_iter().take(12).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for f in &facts {
        for (t, verb, body) in [
            (&a, "confirm", json!({"version": 1})),
            (&b, "confirm", json!({"version": 1})),
            (&b, "reject", json!({"version": 1, "reason": "not_a_fact"})),
        ] {
            let (st, t, f) = (st.clone(), t.clone(), f.clone());
            tasks.spawn(async move {
                let r = review(&st, &t, &f, verb, body).await;
                (f["id"].as_i64().unwrap(), verb, r.status)
            });
        }
    }
    let mut winners = std::collections::HashMap::new();
    while let Some(outcome) = tasks.join_next().await {
        let (id, verb, status) = outcome.unwrap();
        match status {
            StatusCode::OK => assert!(winners.insert(id, verb).is_none(), "two won on {id}"),
            s => assert_eq!(s, StatusCode::CONFLICT),
        }
    }
    assert_eq!(winners.len(), facts.len());
    for f in &facts {
        let id = f["id"].as_i64().unwrap();
        let now = call(&st, "GET", &format!("/api/facts/{id}"), Some(&a), None)
            .await
            .json();
        let expected = if winners[&id] == "confirm" {
            "confirmed"
        } else {
            "rejected"
        };
        assert_eq!(now["status"], expected);
        assert_eq!(now["version"], 2);
        let h = history_of(&st, &a, id).await;
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["action"], winners[&id]);
    }
}

/// A raw connection to the test database, beside the store's.
async fn raw_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&jixiao::store::database_url(&db.url))
        .await
        .unwrap()
}

/// Holds the facts' write lock from outside until the transaction is dropped or rolled
/// back, so decisions arriving meanwhile queue up and are committed as groups.
async fn hold_write_lock(
    db: &TestDb,
    pool: &sqlx::AnyPool,
) -> sqlx::Transaction<'static, sqlx::Any> {
    if db.url.starts_with("postgres") {
        let mut tx = pool.begin().await.unwrap();
        sqlx::raw_sql("LOCK TABLE facts IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx
    } else {
        pool.begin_with("BEGIN IMMEDIATE").await.unwrap()
    }
}

/// Successive decisions on one fact that arrive together are committed in one group, each
/// seeing the fact as the one before left it.
async fn successive_decisions_in_one_group(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts = facts_of(&st, &a, doc).await;
    let (first, second) = (
        facts[0]["id"].as_i64().unwrap(),
        facts[1]["id"].as_i64().unwrap(),
    );
    let pool = raw_pool(&db).await;
    let lock = hold_write_lock(&db, &pool).await;
    let actor = jixiao::store::Actor {
        user_id: None,
        name: "甲".into(),
    };
    let confirm = Decision::Confirm { note: None };
    let reject = Decision::Reject {
        reason: jixiao::review::RejectReason::WrongValue,
        note: Some("见附表".into()),
    };
    let mut tasks = Vec::new();
    // The writer takes the first decision and waits for the lock; the rest queue behind it
    // in this order and form the next group.
    for (fact, version, decision) in [
        (second, 1, Some(confirm.clone())),
        (first, 1, Some(confirm.clone())),
        (first, 2, None),
        (first, 3, Some(reject.clone())),
        (first, 3, Some(confirm.clone())),
    ] {
        let (store, actor) = (db.store.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            match decision {
                Some(d) => store.review(fact, version, &d, &actor).await,
                None => store.undo(fact, version, &actor).await,
            }
        }));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    lock.rollback().await.unwrap();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap().map(|f| (f.status, f.version)));
    }
    assert_eq!(outcomes[0].as_ref().unwrap(), &("confirmed".to_string(), 2));
    assert_eq!(outcomes[1].as_ref().unwrap(), &("confirmed".to_string(), 2));
    assert_eq!(outcomes[2].as_ref().unwrap(), &("pending".to_string(), 3));
    assert_eq!(outcomes[3].as_ref().unwrap(), &("rejected".to_string(), 4));
    assert!(
        matches!(outcomes[4], Err(StoreError::Conflict { current: 4 })),
        "{:?}",
        outcomes[4]
    );
    let actions: Vec<String> = db
        .store
        .history(first)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(actions, ["confirm", "undo", "reject"]);
    pool.close().await;
}

/// A decision the database refuses fails alone: the others committed in the same group are
/// applied, and the refused one leaves its fact untouched. The write lock is held from
/// outside while the decisions arrive, so they queue up and are committed as groups.
async fn a_refused_decision_fails_alone(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "u").await;
    let a = token(&db, Role::Assessor, "甲").await;
    let doc = uploaded(&st, &up, SAMPLE).await;
    let facts: Vec<i64> = facts_of(&st, &a, doc)
        .await
        .iter()
        .take(40)
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    let refused = facts[21];
    let pool = raw_pool(&db).await;
    let refuse = if db.url.starts_with("postgres") {
        format!(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'refused by a test trigger'; END $$;
             CREATE TRIGGER refuse BEFORE UPDATE ON facts FOR EACH ROW
                 WHEN (NEW.id = {refused}) EXECUTE FUNCTION refuse();"
        )
    } else {
        format!(
            "CREATE TRIGGER refuse BEFORE UPDATE ON facts WHEN NEW.id = {refused}
             BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;"
        )
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(refuse))
        .execute(&pool)
        .await
        .unwrap();
    let lock = hold_write_lock(&db, &pool).await;

    let actor = jixiao::store::Actor {
        user_id: None,
        name: "甲".into(),
    };
    let confirm = Decision::Confirm { note: None };
    let mut tasks = tokio::task::JoinSet::new();
    let spawn = |tasks: &mut tokio::task::JoinSet<_>, id: i64| {
        let (store, actor, confirm) = (db.store.clone(), actor.clone(), confirm.clone());
        tasks.spawn(async move { (id, store.review(id, 1, &confirm, &actor).await) });
    };
    // Every writer task takes its first decision and waits for the lock; the refused one
    // comes later, so it queues behind and is committed in a group with others.
    for &id in facts.iter().filter(|&&id| id != refused) {
        spawn(&mut tasks, id);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    spawn(&mut tasks, refused);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    lock.rollback().await.unwrap();

    while let Some(outcome) = tasks.join_next().await {
        let (id, result) = outcome.unwrap();
        if id == refused {
            assert!(matches!(result, Err(StoreError::Db(_))), "{result:?}");
        } else {
            assert_eq!(result.unwrap().status, "confirmed", "fact {id}");
        }
    }
    pool.close().await;
    for &id in &facts {
        let now = db.store.fact(id).await.unwrap();
        let entries = db.store.history(id).await.unwrap().len();
        if id == refused {
            assert_eq!(
                (now.status.as_str(), now.version, entries),
                ("pending", 1, 0)
            );
        } else {
            assert_eq!(
                (now.status.as_str(), now.version, entries),
                ("confirmed", 2, 1)
            );
        }
    }
}
