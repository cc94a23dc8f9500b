//! Work spread over every core with results kept in input order: `jixiao extract` on many
//! files reads and extracts several at once, and prints each file's facts in the order the
//! files were given, as soon as that file and every one before it are done.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Threads to use: the cores this process may run on.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work` on every item on `threads` threads and hands each result to `emit` in the
/// items' order. A thread takes the next item as soon as it is free, so one slow item holds
/// back only the output after it, not the work. At most a few results per thread wait for
/// their turn; past that, threads wait before taking more.
pub fn in_order<T, R, E>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
    mut emit: impl FnMut(usize, R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        for (i, item) in items.iter().enumerate() {
            emit(i, work(item))?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    // Results ahead of the output may wait here; a bounded channel stops the threads from
    // running far ahead of a slow item (and holding every result in memory).
    let (send, receive) = mpsc::sync_channel::<(usize, R)>(threads * 4);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (send, next, work) = (send.clone(), &next, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if send.send((i, work(item))).is_err() {
                        // The output stopped (an error): no one wants more.
                        break;
                    }
                }
            });
        }
        drop(send);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        // The loop owns the receiver: returning early drops it, and the threads stop at
        // their next send instead of waiting on a full channel forever.
        for (i, result) in receive {
            waiting.insert(i, result);
            while let Some(result) = waiting.remove(&due) {
                emit(due, result)?;
                due += 1;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_input_order_whatever_finishes_first() {
        let items: Vec<u64> = (0..50).collect();
        let mut seen = Vec::new();
        in_order(
            &items,
            4,
            |&n| {
                // Early items take longest, so they finish last.
                std::thread::sleep(std::time::Duration::from_millis(50 - n));
                n * 10
            },
            |i, r| {
                seen.push((i, r));
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        let expected: Vec<(usize, u64)> = (0..50).map(|n| (n as usize, n * 10)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn an_error_in_the_output_stops_the_work() {
        let items: Vec<u32> = (0..1000).collect();
        let done = AtomicUsize::new(0);
        let result = in_order(
            &items,
            2,
            |&n| {
                done.fetch_add(1, Ordering::Relaxed);
                n
            },
            |i, _| if i == 3 { Err("stdout closed") } else { Ok(()) },
        );
        assert_eq!(result, Err("stdout closed"));
        assert!(
            done.load(Ordering::Relaxed) < 1000,
            "the threads stopped early"
        );
    }

    #[test]
    fn one_thread_or_no_items_work_too() {
        let mut seen = Vec::new();
        in_order(
            &[1, 2, 3],
            1,
            |n| n + 1,
            |_, r| {
                seen.push(r);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(seen, [2, 3, 4]);
        in_order(&[] as &[u8], 8, |n| *n, |_, _| Err(())).unwrap();
    }
}
