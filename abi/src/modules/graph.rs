//! From references to cycles. A reference from module `s` to module `t` is an edge in the
//! graph of their lowest common ancestor, between its two children whose subtrees hold `s`
//! and `t`; a reference between a module and one of its own ancestors or descendants is an
//! edge in no graph (see the rule in `mod.rs`). Each graph's strongly connected parts are
//! its cycles; each is reported as the shortest cycle through each of its modules, so every
//! module caught in one is named and no cycle is listed twice.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use super::refs::Reference;
use super::tree::Crate;

/// A cycle among the children of one module.
pub struct Cycle {
    /// The crate's root file, as given.
    pub root: PathBuf,
    /// The modules in the cycle's order, from the crate root (`client`, `ffi::args`).
    pub modules: Vec<String>,
    /// One reference for each edge: `steps[i]` makes `modules[i]` depend on the next.
    pub steps: Vec<Step>,
}

pub struct Step {
    pub file: PathBuf,
    pub line: usize,
    pub text: String,
}

impl fmt::Display for Cycle {
    /// ```text
    /// src/lib.rs: client -> wait -> client
    ///     client -> wait: src/client.rs:22: use crate::wait
    ///     wait -> client: src/wait.rs:12: use crate::Client → client::Client
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chain = self.modules.clone();
        chain.push(self.modules[0].clone());
        write!(f, "{}: {}", self.root.display(), chain.join(" -> "))?;
        for (i, step) in self.steps.iter().enumerate() {
            write!(
                f,
                "\n    {} -> {}: {}:{}: {}",
                chain[i],
                chain[i + 1],
                step.file.display(),
                step.line,
                step.text
            )?;
        }
        Ok(())
    }
}

/// `from -> to -> the first reference that makes the edge`, for the children of one module.
type Graph<'r> = BTreeMap<usize, BTreeMap<usize, &'r Reference>>;

pub fn cycles(krate: &Crate, root: &Path, references: &[Reference]) -> Vec<Cycle> {
    let mut graphs: BTreeMap<usize, Graph> = BTreeMap::new();
    for reference in references {
        if let Some((parent, from, to)) = siblings(krate, reference.from, reference.to) {
            graphs
                .entry(parent)
                .or_default()
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert(reference);
        }
    }
    let mut found = Vec::new();
    for graph in graphs.values() {
        for ring in rings(graph) {
            found.push(cycle_of(krate, root, graph, &ring));
        }
    }
    found
}

/// The parent and the two children of it whose subtrees hold `from` and `to`; `None` when
/// one of the two is the other's ancestor.
fn siblings(krate: &Crate, from: usize, to: usize) -> Option<(usize, usize, usize)> {
    let up_from = krate.ancestors(from);
    let up_to = krate.ancestors(to);
    let (i_to, parent) = up_to
        .iter()
        .enumerate()
        .find(|(_, m)| up_from.contains(m))?;
    let i_from = up_from.iter().position(|m| m == parent)?;
    if i_from == 0 || i_to == 0 {
        return None;
    }
    Some((*parent, up_from[i_from - 1], up_to[i_to - 1]))
}

/// The shortest cycle through each module that is in one, each cycle once, starting at its
/// first-declared module.
fn rings(graph: &Graph) -> Vec<Vec<usize>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for &start in graph.keys() {
        let Some(mut ring) = shortest_cycle(graph, start) else {
            continue;
        };
        let first = (0..ring.len()).min_by_key(|&i| ring[i]).unwrap_or(0);
        ring.rotate_left(first);
        if seen.insert(ring.clone()) {
            out.push(ring);
        }
    }
    out
}

/// A shortest path from `start` back to itself (breadth first, in declaration order), the
/// modules on it from `start`.
fn shortest_cycle(graph: &Graph, start: usize) -> Option<Vec<usize>> {
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for &next in graph.get(&at).into_iter().flat_map(BTreeMap::keys) {
            if next == start {
                let mut ring = vec![at];
                while let Some(&before) = came_from.get(&ring[ring.len() - 1]) {
                    ring.push(before);
                }
                ring.reverse();
                return Some(ring);
            }
            if let Entry::Vacant(slot) = came_from.entry(next) {
                slot.insert(at);
                queue.push_back(next);
            }
        }
    }
    None
}

fn cycle_of(krate: &Crate, root: &Path, graph: &Graph, ring: &[usize]) -> Cycle {
    let steps = (0..ring.len())
        .map(|i| {
            let reference = graph[&ring[i]][&ring[(i + 1) % ring.len()]];
            Step {
                file: reference.file.clone(),
                line: reference.line,
                text: reference.text.clone(),
            }
        })
        .collect();
    Cycle {
        root: root.to_path_buf(),
        modules: ring.iter().map(|&m| krate.path_of(m)).collect(),
        steps,
    }
}
