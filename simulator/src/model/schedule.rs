//! When an intent or an order moves by itself: its automatic steps, one every `step_ms`
//! after creation, and its deadline (an intent is abandoned, an order expires). Intents and
//! orders have different steps but the same clock, so the store advances both through this
//! one type.

/// How a new intent or order moves, taken from the simulator's configuration when it is
/// created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Pace {
    /// Only the terminal's buttons (control API) move it.
    pub manual: bool,
    /// Given up if not final this long after creation.
    pub abandon_after_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// Place in the creation order of intents and orders: of two changes due at the same
    /// time, the older object's comes first.
    pub seq: u64,
    /// Step `n` is due `n` steps after this.
    pub created_ms: i64,
    /// Automatic steps from creation to a final state.
    pub steps: u32,
    /// Steps taken (automatically or by the terminal's buttons), 0..=steps.
    pub steps_done: u32,
    /// Created in manual mode: only the terminal's buttons (or an order's events) move it.
    pub manual: bool,
    /// When it is given up if not final by then.
    pub deadline: Option<i64>,
}

impl Schedule {
    /// A schedule of `steps` from `created_ms` at `pace`, given up after `limit_ms` (an
    /// order's own expiration) or the pace's abandonment, whichever comes first.
    pub(crate) fn new(created_ms: i64, steps: u32, pace: Pace, limit_ms: Option<i64>) -> Schedule {
        let abandon_ms = pace
            .abandon_after_ms
            .map(|ms| i64::try_from(ms).unwrap_or(i64::MAX));
        let give_up_ms = limit_ms.into_iter().chain(abandon_ms).min();
        Schedule {
            seq: 0,
            created_ms,
            steps,
            steps_done: 0,
            manual: pace.manual,
            deadline: give_up_ms.map(|ms| created_ms.saturating_add(ms)),
        }
    }

    /// When automatic step `n` (1-based) is due.
    fn step_due(&self, n: u32, step_ms: i64) -> i64 {
        self.created_ms
            .saturating_add(step_ms.saturating_mul(i64::from(n)))
    }

    /// The automatic steps (`false`) and the deadline (`true`) due at or before `now`, each
    /// with its time; none after the deadline.
    pub(crate) fn due_until(&self, now: i64, step_ms: i64) -> Vec<(i64, bool)> {
        let deadline = self.deadline.unwrap_or(i64::MAX);
        let mut due = Vec::new();
        if !self.manual {
            for n in self.steps_done + 1..=self.steps {
                let at = self.step_due(n, step_ms);
                if at > now || at > deadline {
                    break;
                }
                due.push((at, false));
            }
        }
        if deadline <= now {
            due.push((deadline, true));
        }
        due
    }

    /// When the next automatic step or the deadline falls due, if any still can (in manual
    /// mode only the deadline does).
    pub(crate) fn next_due(&self, step_ms: i64) -> Option<i64> {
        let step = (!self.manual && self.steps_done < self.steps)
            .then(|| self.step_due(self.steps_done + 1, step_ms));
        match (step, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The terminal is done with it: no automatic step is left.
    pub(crate) fn finish(&mut self) {
        self.steps_done = self.steps;
    }
}
