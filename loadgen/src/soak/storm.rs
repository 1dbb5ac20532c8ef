//! `storm`: `--users` clients connected over the instances, `--senders` of them sending;
//! one instance killed with SIGKILL; its clients reconnect to the next instance, each at
//! a random moment in `--jitter-secs` after it noticed the loss, then catch up with `sync`
//! and send again what was never acknowledged (same client id).
//!
//! A client has *resumed* when it is connected again, caught up, and has re-sent its
//! unacknowledged sends. Passing means: every client of the killed instance resumed
//! within `--resume-secs` of the kill; every send was acknowledged in the end; no client
//! id was acknowledged at two places; every acknowledged message is in its
//! conversation's log in Redis exactly once, at its acknowledged seq, and the logs are
//! gapless; after a final `sync` every client holds its conversation up to the head; and
//! the killed instance's devices were swept from presence.

use super::args::{check_secs, StormArgs};
use super::client::{Client, Ended, Ledger, Order};
use super::report::Findings;
use super::report::{load_average, Criterion, SoakReport};
use super::sample::Sampler;
use super::{accounts, brief, clients, connect_all, latency_of, watched};
use crate::args::secs;
use anyhow::{bail, Context, Result};
use rand::Rng;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tidings_shared::{ConversationId, Event, EventBody};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// Pause between reconnect attempts of one client.
const RETRY_EVERY: Duration = Duration::from_millis(250);
/// Longest wait for every send to be acknowledged once sending stopped.
const DRAIN: Duration = Duration::from_secs(30);

/// One client's way back after losing its connection.
#[derive(Clone, Debug)]
struct Resume {
    lost_at: Instant,
    /// Connected again (`hello`), if it got there.
    reconnected_at: Option<Instant>,
    /// Caught up and re-sent, if it got there.
    resumed_at: Option<Instant>,
    attempts: u32,
}

/// What every client task shares with the driver.
struct Shared {
    open: AtomicU64,
    resumes: Mutex<Vec<Resume>>,
    /// Set once the driver is done: a loss after that is not reconnected.
    stopping: AtomicBool,
    urls: Vec<String>,
    jitter: Duration,
    give_up_after: Duration,
}

/// Serves `client` (connected to `urls[server]`), reconnecting after each loss.
async fn client_task(
    mut client: Client,
    mut server: usize,
    mut orders: mpsc::UnboundedReceiver<Order>,
    shared: Arc<Shared>,
) -> Client {
    shared.open.fetch_add(1, Ordering::Relaxed);
    loop {
        match client.serve(&mut orders).await {
            Ended::Stopped => break,
            Ended::Sync(done) => {
                let result = client.sync().await;
                let _ = done.send(result);
            }
            Ended::Lost(lost_at) => {
                shared.open.fetch_sub(1, Ordering::Relaxed);
                if shared.stopping.load(Ordering::Relaxed) {
                    return client;
                }
                let resume = reconnect(&mut client, &mut server, lost_at, &shared).await;
                let resumed = resume.resumed_at.is_some();
                if let Ok(mut resumes) = shared.resumes.lock() {
                    resumes.push(resume);
                }
                if !resumed {
                    return client;
                }
                shared.open.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    shared.open.fetch_sub(1, Ordering::Relaxed);
    client
}

/// Waits a random moment in the jitter window, then tries the next instances in turn
/// until one takes the connection, the sync completes and unacknowledged sends are out.
async fn reconnect(
    client: &mut Client,
    server: &mut usize,
    lost_at: Instant,
    shared: &Shared,
) -> Resume {
    let mut resume = Resume {
        lost_at,
        reconnected_at: None,
        resumed_at: None,
        attempts: 0,
    };
    let jitter = shared.jitter.mul_f64(rand::rng().random::<f64>());
    tokio::time::sleep(jitter).await;
    let give_up = lost_at + shared.give_up_after;
    while Instant::now() < give_up {
        *server = (*server + 1) % shared.urls.len();
        resume.attempts += 1;
        if client.connect(&shared.urls[*server]).await.is_ok() {
            resume.reconnected_at.get_or_insert_with(Instant::now);
            if client.sync().await.is_ok() && client.resend_unacked().await.is_ok() {
                resume.resumed_at = Some(Instant::now());
                return resume;
            }
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
    resume
}

/// Sends `Order::Send` to `senders` round-robin at `rate` a second until `until`,
/// counting each order in `issued`.
async fn pace(
    senders: &[mpsc::UnboundedSender<Order>],
    rate: f64,
    until: Instant,
    issued: &AtomicU64,
) {
    if senders.is_empty() || rate <= 0.0 {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    let mut next = 0;
    while Instant::now() < until {
        tick.tick().await;
        if senders[next].send(Order::Send).is_ok() {
            issued.fetch_add(1, Ordering::Relaxed);
        }
        next = (next + 1) % senders.len();
    }
}

fn kill9(pid: u32) -> Result<()> {
    let status = std::process::Command::new("kill")
        .arg("-KILL")
        .arg(pid.to_string())
        .status()
        .context("running kill")?;
    if !status.success() {
        bail!("kill -KILL {pid} failed: {status}");
    }
    Ok(())
}

/// What the logs in Redis say about the acknowledged sends.
#[derive(Default, serde::Serialize)]
struct LogCheck {
    conversations: usize,
    messages_in_logs: u64,
    /// Acked client ids not in the log exactly once at their acked seq.
    lost_or_duplicated: Vec<String>,
    /// Logs with a seq missing between 1 and the head.
    gaps: Vec<String>,
    /// Messages of this run in a log whose client id was never acknowledged.
    stored_unacked: u64,
}

async fn check_logs(
    redis: &mut redis::aio::MultiplexedConnection,
    run: &str,
    conversations: &[ConversationId],
    acks: &HashMap<Uuid, (ConversationId, u64)>,
) -> Result<(LogCheck, HashMap<ConversationId, u64>)> {
    let mut check = LogCheck {
        conversations: conversations.len(),
        ..LogCheck::default()
    };
    let mut heads = HashMap::new();
    let mut by_conversation: HashMap<&ConversationId, Vec<(Uuid, u64)>> = HashMap::new();
    for (id, (cid, seq)) in acks {
        by_conversation.entry(cid).or_default().push((*id, *seq));
    }
    for cid in conversations {
        let head: Option<u64> = redis::cmd("HGET")
            .arg(format!("tidings:conv:{{{cid}}}"))
            .arg("head")
            .query_async(redis)
            .await?;
        let head = head.unwrap_or(0);
        heads.insert(cid.clone(), head);
        let log: BTreeMap<u64, String> = redis::cmd("HGETALL")
            .arg(format!("tidings:conv:{{{cid}}}:log"))
            .query_async(redis)
            .await?;
        if (1..=head).any(|seq| !log.contains_key(&seq)) || log.keys().any(|&s| s > head) {
            check
                .gaps
                .push(format!("{cid}: {} entries, head {head}", log.len()));
        }
        let mut found: HashMap<Uuid, Vec<u64>> = HashMap::new();
        for (seq, json) in &log {
            let event: Event = serde_json::from_str(json)
                .with_context(|| format!("{cid}#{seq} in Redis does not parse"))?;
            if let EventBody::Message {
                client_id, text, ..
            } = event.body
            {
                if text.starts_with(&format!("soak {run} ")) {
                    check.messages_in_logs += 1;
                    found.entry(client_id).or_default().push(*seq);
                }
            }
        }
        let acked = by_conversation.get(cid).map(Vec::as_slice).unwrap_or(&[]);
        for (id, seq) in acked {
            match found.get(id).map(Vec::as_slice) {
                Some([at]) if at == seq => {}
                other => check.lost_or_duplicated.push(format!(
                    "{cid}: {id} acked at {seq}, in the log at {other:?}"
                )),
            }
        }
        let acked_ids: std::collections::HashSet<&Uuid> = acked.iter().map(|(id, _)| id).collect();
        check.stored_unacked += found.keys().filter(|id| !acked_ids.contains(id)).count() as u64;
    }
    Ok((check, heads))
}

pub async fn run(args: &StormArgs, progress: &(dyn Fn(&str) + Sync)) -> Result<SoakReport> {
    let common = &args.common;
    common.validate()?;
    check_secs("--jitter-secs", args.jitter_secs, 3600.0)?;
    check_secs("--resume-secs", args.resume_secs, 3600.0)?;
    check_secs("--send-secs", args.send_secs, 3600.0)?;
    if common.servers.len() < 2 {
        bail!("a storm needs at least two --server");
    }
    let victim_pid = args
        .kill_pid
        .or_else(|| common.server_pids.last().copied())
        .context("give --kill-pid or the servers' --server-pid")?;
    let victim = common
        .server_pids
        .iter()
        .position(|&p| p == victim_pid)
        .context("--kill-pid must be one of the --server-pid")?;
    let load_at_start = load_average();
    let accounts = accounts::prepare(common, 3600.0, progress).await?;
    let sampler = Sampler::connect(&common.redis_url, watched(common)).await?;
    let mut samples = vec![sampler.sample("start", 0).await];

    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let ledger = Arc::new(Mutex::new(Ledger {
        run: run_id.clone(),
        ..Ledger::default()
    }));
    progress(&format!("connecting {} users", accounts.users.len()));
    let (all, connected) = connect_all(common, clients(&accounts, &ledger)).await;
    progress(&format!(
        "{} of {} connected and synced in {:.1} s",
        connected.made,
        accounts.users.len(),
        connected.total_s
    ));
    let setup = common.setup_args();
    let shared = Arc::new(Shared {
        open: AtomicU64::new(0),
        resumes: Mutex::new(Vec::new()),
        stopping: AtomicBool::new(false),
        urls: (0..common.servers.len()).map(|i| setup.ws_url(i)).collect(),
        jitter: secs(args.jitter_secs),
        give_up_after: secs(args.resume_secs) + Duration::from_secs(30),
    });
    let n = common.servers.len();
    let sender_every = (accounts.users.len() / args.senders.max(1)).max(1);
    let mut orders = Vec::new();
    let mut send_orders = Vec::new();
    let mut tasks = Vec::new();
    let mut victims = 0usize;
    for (client, ok) in all {
        if !ok {
            continue;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let home = client.index % n;
        victims += usize::from(home == victim);
        if args.senders > 0 && client.index % sender_every == 0 && send_orders.len() < args.senders
        {
            send_orders.push(tx.clone());
        }
        orders.push(tx);
        tasks.push(tokio::spawn(client_task(
            client,
            home,
            rx,
            Arc::clone(&shared),
        )));
    }
    let open_now = || shared.open.load(Ordering::Relaxed);
    let issued = Arc::new(AtomicU64::new(0));

    progress(&format!(
        "{} senders at {} msgs/s for {} s",
        send_orders.len(),
        args.send_rate,
        args.send_secs
    ));
    pace(
        &send_orders,
        args.send_rate,
        Instant::now() + secs(args.send_secs),
        &issued,
    )
    .await;
    let baseline = sampler.sample("baseline", open_now()).await;
    progress(&brief(&baseline));
    samples.push(baseline.clone());

    progress(&format!("kill -9 {victim_pid} ({victims} clients on it)"));
    let killed_at = Instant::now();
    kill9(victim_pid)?;
    // Keep sending through the storm, until everyone is back (bounded).
    let resume_bound = killed_at + secs(args.resume_secs) + Duration::from_secs(30);
    let pacing = {
        let send_orders = send_orders.clone();
        let rate = args.send_rate;
        let shared = Arc::clone(&shared);
        let issued = Arc::clone(&issued);
        tokio::spawn(async move {
            let settled = async {
                while Instant::now() < resume_bound {
                    let done = shared.resumes.lock().map_or(0, |r| r.len());
                    if done >= victims {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            };
            tokio::select! {
                _ = pace(&send_orders, rate, resume_bound, &issued) => {}
                _ = settled => {}
            }
        })
    };
    let mut next_sample = Instant::now();
    loop {
        let done = shared.resumes.lock().map_or(0, |r| r.len());
        if Instant::now() >= next_sample {
            let s = sampler.sample("storm", open_now()).await;
            progress(&format!(
                "{} (resumed or given up: {done} of {victims})",
                brief(&s)
            ));
            samples.push(s);
            next_sample +=
                Duration::from_secs(1).max(secs(common.sample_every).min(Duration::from_secs(5)));
        }
        if done >= victims || Instant::now() >= resume_bound {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let storm_over_s = killed_at.elapsed().as_secs_f64();
    let _ = pacing.await;
    progress(&format!(
        "storm over after {storm_over_s:.1} s; sending {} s more",
        args.send_secs
    ));
    pace(
        &send_orders,
        args.send_rate,
        Instant::now() + secs(args.send_secs),
        &issued,
    )
    .await;
    drop(send_orders);

    // Every order taken by its client, and every send acknowledged (or the bound).
    let drain_until = Instant::now() + DRAIN;
    loop {
        let (sent, acked) = ledger
            .lock()
            .map_or((0, 0), |l| (l.sent, l.acks.len() as u64));
        let all_taken = sent >= issued.load(Ordering::Relaxed);
        if (all_taken && acked >= sent) || Instant::now() >= drain_until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The killed instance's devices stay in presence until a sweep finds them expired.
    let survivors_devices = open_now();
    let mut swept_after_s = None;
    let sweep_bound = Instant::now() + secs(common.settle_secs);
    loop {
        let s = sampler.sample("sweep", open_now()).await;
        let devices = s.redis.as_ref().map(|r| r.presence_devices);
        samples.push(s);
        if devices == Some(survivors_devices) {
            swept_after_s = Some(killed_at.elapsed().as_secs_f64());
            break;
        }
        if Instant::now() >= sweep_bound {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    // One final sync each; then every client must hold its conversation up to the head.
    let final_syncs: Vec<oneshot::Receiver<Result<()>>> = orders
        .iter()
        .map(|tx| {
            let (done, wait) = oneshot::channel();
            let _ = tx.send(Order::Sync(done));
            wait
        })
        .collect();
    let synced = futures_util::future::join_all(
        final_syncs
            .into_iter()
            .map(|w| tokio::time::timeout(Duration::from_secs(60), w)),
    )
    .await
    .into_iter()
    .filter(|r| matches!(r, Ok(Ok(Ok(())))))
    .count();
    shared.stopping.store(true, Ordering::Relaxed);
    for tx in &orders {
        let _ = tx.send(Order::Stop);
    }
    drop(orders);
    let finished: Vec<Client> = tokio::time::timeout(
        Duration::from_secs(120),
        futures_util::future::join_all(tasks),
    )
    .await
    .map(|done| done.into_iter().filter_map(Result::ok).collect())
    .unwrap_or_default();
    let (acks, sent, inconsistent) = match ledger.lock() {
        Ok(l) => (l.acks.clone(), l.sent, l.inconsistent.clone()),
        Err(_) => bail!("the ledger's lock was poisoned"),
    };
    let conversations: Vec<ConversationId> = accounts.groups.iter().map(|g| g.id.clone()).collect();
    let mut redis = sampler.redis();
    let (logs, heads) = check_logs(&mut redis, &run_id, &conversations, &acks).await?;

    let behind = finished
        .iter()
        .filter(|c| {
            c.conversation
                .as_ref()
                .is_some_and(|cid| c.through < heads.get(cid).copied().unwrap_or(0))
        })
        .count();
    let unacked: usize = finished.iter().map(Client::unacked).sum();
    let gap_syncs: u64 = finished.iter().map(|c| c.gap_syncs).sum();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for c in &finished {
        for (code, n) in &c.errors {
            *errors.entry(code.clone()).or_insert(0) += n;
        }
    }
    let after = sampler.sample("end", open_now()).await;
    samples.push(after.clone());

    let resumes = shared.resumes.lock().map(|r| r.clone()).unwrap_or_default();
    let resumed: Vec<&Resume> = resumes.iter().filter(|r| r.resumed_at.is_some()).collect();
    let resume_times = latency_of(
        resumed
            .iter()
            .filter_map(|r| Some(r.resumed_at?.duration_since(killed_at))),
    );
    let reconnect_times = latency_of(
        resumes
            .iter()
            .filter_map(|r| Some(r.reconnected_at?.duration_since(killed_at))),
    );
    let noticed = latency_of(
        resumes
            .iter()
            .map(|r| r.lost_at.saturating_duration_since(killed_at)),
    );
    let within_jitter = resumes
        .iter()
        .filter(|r| {
            r.reconnected_at.is_some_and(|at| {
                at.duration_since(killed_at) <= secs(args.jitter_secs) + Duration::from_secs(1)
            })
        })
        .count();
    let max_attempts = resumes.iter().map(|r| r.attempts).max().unwrap_or(0);

    let criteria = vec![
        Criterion::new(
            "everyone connected first",
            format!("{} of {}", connected.made, accounts.users.len()),
            "all",
            connected.made == accounts.users.len(),
        ),
        Criterion::new(
            "every client of the killed instance resumed",
            format!("{} of {victims} (lost: {})", resumed.len(), resumes.len()),
            "all",
            resumed.len() == victims && resumes.len() == victims && victims > 0,
        ),
        Criterion::new(
            "resumed within the bound",
            format!("max {:.2} s after the kill", resume_times.max_ms / 1000.0),
            &format!("≤ {} s", args.resume_secs),
            resume_times.max_ms <= args.resume_secs * 1000.0,
        ),
        Criterion::new(
            "every send acknowledged",
            format!(
                "{} acked of {sent} sent; {unacked} still waiting",
                acks.len()
            ),
            "all",
            acks.len() as u64 == sent && unacked == 0,
        ),
        Criterion::new(
            "acks consistent",
            format!("{} client ids acked at two places", inconsistent.len()),
            "none",
            inconsistent.is_empty(),
        ),
        Criterion::new(
            "every acked message in Redis exactly once",
            format!(
                "{} lost or duplicated, {} logs with gaps, {} stored but never acked",
                logs.lost_or_duplicated.len(),
                logs.gaps.len(),
                logs.stored_unacked
            ),
            "none",
            logs.lost_or_duplicated.is_empty() && logs.gaps.is_empty() && logs.stored_unacked == 0,
        ),
        Criterion::new(
            "every client caught up after a final sync",
            format!("{synced} synced, {behind} behind the head"),
            "all synced, none behind",
            synced == finished.len() && behind == 0 && finished.len() == connected.made,
        ),
        Criterion::new(
            "the killed instance's devices swept",
            swept_after_s.map_or_else(
                || "not within the bound".to_owned(),
                |s| format!("after {s:.1} s"),
            ),
            &format!("within {} s", common.settle_secs),
            swept_after_s.is_some(),
        ),
    ];
    let figures = json!({
        "connect": connected,
        "killed_pid": victim_pid,
        "clients_on_killed_instance": victims,
        "noticed_after_kill": noticed,
        "reconnected_after_kill": reconnect_times,
        "reconnected_within_jitter_window_plus_1s": within_jitter,
        "resumed_after_kill": resume_times,
        "most_attempts_of_one_client": max_attempts,
        "storm_over_s": storm_over_s,
        "sent": sent,
        "acked": acks.len(),
        "messages_in_logs": logs.messages_in_logs,
        "conversations_checked": logs.conversations,
        "gap_syncs": gap_syncs,
        "errors": errors,
        "first_problems": logs.lost_or_duplicated.iter().chain(&logs.gaps).chain(&inconsistent).take(10).collect::<Vec<_>>(),
        "presence_swept_after_s": swept_after_s,
    });
    Ok(SoakReport::new(
        "storm",
        common,
        &accounts,
        Findings {
            load_at_start,
            figures,
            baseline,
            last: after,
            criteria,
            samples,
        },
    ))
}
