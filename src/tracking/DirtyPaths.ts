/**
 * The paths of one tracked name changed since the last take, coarsened: a
 * path whose ancestor is dirty is dropped. A trie, so marking a path already
 * covered costs one Map lookup per segment and nothing is allocated.
 */
import type { PathSegment } from './paths.js';

class DirtyNode {
  all = false;
  children: Map<PathSegment, DirtyNode> | undefined = undefined;

  markAll(): void {
    this.all = true;
    this.children = undefined;
  }
}

export class DirtyPaths {
  private root = new DirtyNode();

  /**
   * Mark path[0..len) dirty. `isAdd` says the last segment is a key that was
   * just added: if that key was already dirty in this window it may have
   * existed at the previous take and been removed since, so the re-added key
   * would sit at its old place in the earlier state but last in the live
   * one; marking the container keeps iteration order exact.
   */
  mark(path: readonly PathSegment[], len: number, isAdd: boolean): void {
    let node = this.root;
    if (node.all) return;
    if (len === 0) {
      node.markAll();
      return;
    }
    for (let i = 0; i < len - 1; i++) {
      let children = node.children;
      if (children === undefined) children = node.children = new Map();
      let next = children.get(path[i]);
      if (next === undefined) {
        next = new DirtyNode();
        children.set(path[i], next);
      } else if (next.all) return;
      node = next;
    }
    let children = node.children;
    if (children === undefined) children = node.children = new Map();
    const seg = path[len - 1];
    const existing = children.get(seg);
    if (existing === undefined) {
      const leaf = new DirtyNode();
      leaf.all = true;
      children.set(seg, leaf);
    } else if (isAdd) node.markAll();
    else if (!existing.all) existing.markAll();
  }

  isEmpty(): boolean {
    return !this.root.all && this.root.children === undefined;
  }

  /** The coarsened dirty paths in first-marked order; resets. */
  take(): PathSegment[][] {
    const out: PathSegment[][] = [];
    collect(this.root, [], out);
    this.root = new DirtyNode();
    return out;
  }
}

function collect(node: DirtyNode, prefix: PathSegment[], out: PathSegment[][]): void {
  if (node.all) {
    out.push(prefix.slice());
    return;
  }
  if (node.children === undefined) return;
  for (const [seg, child] of node.children) {
    prefix.push(seg);
    collect(child, prefix, out);
    prefix.pop();
  }
}
