//! The work queue through the API: search by file name and title (case-insensitive, `%` and
//! `_` taken literally), region matched as a part, every sort in both directions with ties
//! broken by id, refusals of unknown sort values; and assignment — admin only, recorded in an
//! append-only audit trail, shown in the document and filtered by `assigned=me|none`.
//!
//! Every test body runs on SQLite, and on PostgreSQL when `JIXIAO_TEST_DATABASE_URL` is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use jixiao::store::Role;
use serde_json::{Value, json};
use std::cmp::Ordering;

both_backends!(
    search_region_and_sorts,
    assignment_is_admin_only_audited_and_filtered
);

/// Percent-encodes a query value (file names with `%`, Chinese text).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Uploads `text` under `name` as `token`; the queue is processed later.
async fn upload_text(st: &jixiao::http::AppState, token: &str, name: &str, text: &str) -> i64 {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/documents?filename={}", enc(name)))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(Body::from(text.as_bytes().to_vec()))
        .unwrap();
    let r = send(st, req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json());
    r.json()["id"].as_i64().unwrap()
}

/// The ids `GET /api/documents?{query}` lists, as `token`.
async fn listed(st: &jixiao::http::AppState, token: &str, query: &str) -> Vec<i64> {
    let r = call(
        st,
        "GET",
        &format!("/api/documents?{query}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.json());
    ids(&r.json())
}

fn ids(list: &Value) -> Vec<i64> {
    list["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect()
}

async fn user_id(st: &jixiao::http::AppState, token: &str) -> i64 {
    call(st, "GET", "/api/me", Some(token), None).await.json()["id"]
        .as_i64()
        .unwrap()
}

/// Four reports: two of 相山区 (a tie on region), one of 秀洲区, one without a region; the
/// file names mix cases and hold `%` and `_`.
const REPORTS: [(&str, &str); 4] = [
    (
        "相山区绩效报告.txt",
        "淮北市相山区2022年度预算绩效管理情况说明\n一、总体情况\n全区共压减预算资金1.02亿元，涉及预算项目509个。\n",
    ),
    (
        "xiuzhou-Report.TXT",
        "秀洲区2021年度预算绩效管理情况说明\n一、总体情况\n共评价60个项目，其中8个项目评价等级为“优”，24个“良”，22个“中”，3个“差”。\n",
    ),
    (
        "tongchuan_100%.txt",
        "桐川县2023年度部门整体支出绩效自评报告\n项目自评得分95分，评价等级为“优”。项目资金1000万元。\n",
    ),
    (
        "预算执行.txt",
        "淮北市相山区2021年度预算执行情况报告\n一、总体情况\n全区预算支出5.6亿元，完成年度预算的98.5%。\n",
    ),
];

/// Whether `docs` (as listed) are in the order `key` gives, ties by id, in `desc` or not.
fn in_order<K: PartialOrd>(docs: &[Value], key: impl Fn(&Value) -> K, desc: bool) -> bool {
    let mut sorted = docs.to_vec();
    sorted.sort_by(|a, b| {
        let o = key(a)
            .partial_cmp(&key(b))
            .unwrap_or(Ordering::Equal)
            .then(a["id"].as_i64().cmp(&b["id"].as_i64()));
        if desc { o.reverse() } else { o }
    });
    ids(&json!({ "documents": sorted })) == ids(&json!({ "documents": docs }))
}

async fn search_region_and_sorts(db: TestDb) {
    let st = state(&db);
    let up = token(&db, Role::Uploader, "上传员").await;
    let assessor = token(&db, Role::Assessor, "王芳").await;
    let mut doc = Vec::new();
    for (name, text) in REPORTS {
        doc.push(upload_text(&st, &up, name, text).await);
    }
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();

    // Search: file name or title, any case, CJK; wildcards are plain characters.
    assert_eq!(listed(&st, &assessor, "q=report").await, vec![doc[1]]);
    assert_eq!(listed(&st, &assessor, "q=REPORT").await, vec![doc[1]]);
    assert_eq!(
        listed(&st, &assessor, &format!("q={}", enc("相山"))).await,
        vec![doc[3], doc[0]]
    );
    assert_eq!(
        listed(&st, &assessor, &format!("q={}", enc("自评报告"))).await,
        vec![doc[2]]
    );
    assert_eq!(
        listed(&st, &assessor, &format!("q={}", enc("%"))).await,
        vec![doc[2]]
    );
    assert_eq!(
        listed(&st, &assessor, &format!("q={}", enc("n_1"))).await,
        vec![doc[2]]
    );
    assert_eq!(
        listed(&st, &assessor, &format!("q={}", enc("无此材料"))).await,
        Vec::<i64>::new()
    );
    // An uploader searches their own uploads the same way.
    assert_eq!(listed(&st, &up, "q=Xiuzhou").await, vec![doc[1]]);

    // Region as a part: 相山 finds 相山区 (and would find 淮北市相山区).
    assert_eq!(
        listed(&st, &assessor, &format!("region={}", enc("相山"))).await,
        vec![doc[3], doc[0]]
    );
    assert_eq!(
        listed(&st, &assessor, &format!("region={}&year=2022", enc("相山"))).await,
        vec![doc[0]]
    );
    // Facts (and so exports and bulk confirms) follow the list: the same documents' facts.
    let r = call(
        &st,
        "GET",
        &format!("/api/facts?region={}&limit=1000", enc("相山")),
        Some(&assessor),
        None,
    )
    .await;
    let mut of: Vec<i64> = r.json()["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["document_id"].as_i64().unwrap())
        .collect();
    of.dedup();
    of.sort_unstable();
    of.dedup();
    let mut want = vec![doc[0], doc[3]];
    want.sort_unstable();
    assert_eq!(of, want);

    // Some progress to sort by: one fact of one report decided.
    let facts = facts_of(&st, &assessor, doc[0]).await;
    let r = review(&st, &assessor, &facts[0], "confirm", json!({"version": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());

    let all = call(&st, "GET", "/api/documents", Some(&assessor), None)
        .await
        .json();
    let docs = all["documents"].as_array().unwrap().clone();
    assert_eq!(docs.len(), 4);
    // Regions: two the same, one other, one none; findings and progress vary.
    assert!(docs.iter().any(|d| d["region"].is_null()), "{all}");
    assert!(
        docs.iter()
            .any(|d| d["findings"]["error"].as_i64().unwrap() > 0),
        "{all}"
    );

    for order in ["asc", "desc"] {
        let desc = order == "desc";
        for sort in ["uploaded", "region", "year", "progress", "findings"] {
            let r = call(
                &st,
                "GET",
                &format!("/api/documents?sort={sort}&order={order}"),
                Some(&assessor),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK);
            let list = r.json()["documents"].as_array().unwrap().clone();
            assert_eq!(list.len(), 4);
            let ok = match sort {
                "uploaded" => in_order(
                    &list,
                    |d| d["uploaded_at"].as_str().unwrap().to_string(),
                    desc,
                ),
                "region" => in_order(
                    &list,
                    |d| d["region"].as_str().unwrap_or("").to_string(),
                    desc,
                ),
                "year" => in_order(&list, |d| d["year"].as_i64().unwrap_or(0), desc),
                "progress" => in_order(
                    &list,
                    |d| {
                        let r = &d["review"];
                        match r["facts"].as_i64().unwrap() {
                            0 => -1.0,
                            n => r["decided"].as_i64().unwrap() as f64 / n as f64,
                        }
                    },
                    desc,
                ),
                _ => in_order(
                    &list,
                    |d| {
                        let f = &d["findings"];
                        (f["error"].as_i64().unwrap(), f["warning"].as_i64().unwrap())
                    },
                    desc,
                ),
            };
            assert!(ok, "sort={sort}&order={order}: {:?}", ids(&r.json()));
            // Paged two at a time, the pages make the same list.
            let mut paged = listed(
                &st,
                &assessor,
                &format!("sort={sort}&order={order}&limit=2"),
            )
            .await;
            paged.extend(
                listed(
                    &st,
                    &assessor,
                    &format!("sort={sort}&order={order}&limit=2&offset=2"),
                )
                .await,
            );
            assert_eq!(paged, ids(&r.json()), "paging sort={sort}&order={order}");
        }
    }
    // The tie on region is broken by id, in the direction asked.
    let by_region = listed(&st, &assessor, "sort=region&order=asc").await;
    let tie: Vec<i64> = by_region
        .iter()
        .copied()
        .filter(|i| *i == doc[0] || *i == doc[3])
        .collect();
    assert_eq!(tie, vec![doc[0], doc[3]]);
    // Without `order`, uploaded is newest first.
    assert_eq!(
        listed(&st, &assessor, "sort=uploaded").await,
        vec![doc[3], doc[2], doc[1], doc[0]]
    );

    // Unknown values are refused with the API's error body.
    for bad in [
        "sort=size",
        "order=sideways",
        "assigned=them",
        "sort=",
        "q=%00",
    ] {
        let r = call(
            &st,
            "GET",
            &format!("/api/documents?{bad}"),
            Some(&assessor),
            None,
        )
        .await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.status
        );
        assert!(r.json()["error"]["code"].is_string(), "{bad}");
        if bad.starts_with("sort") || bad.starts_with("order") || bad.starts_with("assigned") {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}

async fn assignment_is_admin_only_audited_and_filtered(db: TestDb) {
    let st = state(&db);
    let admin = token(&db, Role::Admin, "管理员").await;
    let wang = token(&db, Role::Assessor, "王芳").await;
    let li = token(&db, Role::Assessor, "李强").await;
    let reader = token(&db, Role::Reader, "读者").await;
    let up = token(&db, Role::Uploader, "上传员").await;
    let (wang_id, li_id, reader_id, admin_id) = (
        user_id(&st, &wang).await,
        user_id(&st, &li).await,
        user_id(&st, &reader).await,
        user_id(&st, &admin).await,
    );
    let a = upload_text(&st, &up, REPORTS[0].0, REPORTS[0].1).await;
    let b = upload_text(&st, &up, REPORTS[1].0, REPORTS[1].1).await;
    jixiao::worker::run_until_idle(&st.store, "w")
        .await
        .unwrap();
    let put = |token: String, doc: i64, body: Value| {
        let st = st.clone();
        async move {
            call(
                &st,
                "PUT",
                &format!("/api/documents/{doc}/assignee"),
                Some(&token),
                Some(body),
            )
            .await
        }
    };

    // Nobody is assigned at first; only an admin may assign.
    let d = call(
        &st,
        "GET",
        &format!("/api/documents/{a}"),
        Some(&wang),
        None,
    )
    .await
    .json();
    assert_eq!(d["assignee"], Value::Null);
    for t in [&wang, &reader, &up] {
        let r = put(t.clone(), a, json!({"user_id": wang_id})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["code"], "forbidden");
    }
    let r = put(admin.clone(), a, json!({"user_id": wang_id})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    assert_eq!(r.json()["assignee"], json!({"id": wang_id, "name": "王芳"}));
    // The same again changes nothing and records nothing.
    let r = put(admin.clone(), a, json!({"user_id": wang_id})).await;
    assert_eq!(r.status, StatusCode::OK);

    // Only assessors (or admins) take documents; ids must be ids.
    let r = put(admin.clone(), a, json!({"user_id": reader_id})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = put(admin.clone(), a, json!({"user_id": 999_999})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for body in [
        json!({}),
        json!({"user_id": "王芳"}),
        json!({"user_id": 1.5}),
        json!({"who": 1}),
    ] {
        let r = put(admin.clone(), a, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json()["error"]["code"], "bad_request");
    }
    let r = put(admin.clone(), 999_999, json!({"user_id": wang_id})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The document shows its assignee to everyone who may see it; the filters follow it.
    let d = call(&st, "GET", &format!("/api/documents/{a}"), Some(&li), None)
        .await
        .json();
    assert_eq!(d["assignee"]["name"], "王芳");
    assert_eq!(listed(&st, &wang, "assigned=me").await, vec![a]);
    assert_eq!(listed(&st, &li, "assigned=me").await, Vec::<i64>::new());
    assert_eq!(listed(&st, &li, "assigned=none").await, vec![b]);

    // Reassigned, then to nobody, then to an admin.
    assert_eq!(
        put(admin.clone(), a, json!({"user_id": li_id}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(listed(&st, &li, "assigned=me").await, vec![a]);
    assert_eq!(listed(&st, &wang, "assigned=me").await, Vec::<i64>::new());
    let r = put(admin.clone(), a, json!({"user_id": null})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["assignee"], Value::Null);
    assert_eq!(listed(&st, &li, "assigned=none").await, vec![b, a]);
    assert_eq!(
        put(admin.clone(), b, json!({"user_id": admin_id}))
            .await
            .status,
        StatusCode::OK
    );

    // The audit trail: who assigned whom, when, in order; assessors may read it.
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{a}/assignments"),
        Some(&wang),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let trail = r.json()["assignments"].as_array().unwrap().clone();
    let moves: Vec<(Value, Value)> = trail
        .iter()
        .map(|e| (e["before"].clone(), e["after"].clone()))
        .collect();
    assert_eq!(
        moves,
        vec![
            (Value::Null, json!(wang_id)),
            (json!(wang_id), json!(li_id)),
            (json!(li_id), Value::Null),
        ]
    );
    for e in &trail {
        assert_eq!(e["by"], json!({"id": admin_id, "name": "管理员"}));
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
    }
    let r = call(
        &st,
        "GET",
        &format!("/api/documents/{a}/assignments"),
        Some(&up),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Rows of the trail are only ever added.
    let pool = st.store.writer_pool();
    assert!(
        sqlx::query("UPDATE document_assignments SET actor = 'x'")
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM document_assignments")
            .execute(pool)
            .await
            .is_err()
    );
    assert_eq!(st.store.assignments(a).await.unwrap().len(), 3);
}
