import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  actionFor,
  clashes,
  comboOf,
  defaultBindings,
  displayCombo,
  mergeBindings,
  parseCombo,
  rebind,
  WORKSPACE_ACTIONS,
  type WorkspaceAction,
} from '../../../src-renderer/review/keymap'

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
})

describe('comboOf', () => {
  it('makes canonical combos', () => {
    expect(comboOf(key('a'))).toBe('a')
    expect(comboOf(key('A', { shiftKey: true }))).toBe('Shift+a')
    expect(comboOf(key('z', { ctrlKey: true }))).toBe('Mod+z')
    expect(comboOf(key('Z', { metaKey: true, shiftKey: true }))).toBe('Mod+Shift+z')
    expect(comboOf(key('?', { shiftKey: true }))).toBe('?')
    expect(comboOf(key('Enter', { ctrlKey: true }))).toBe('Mod+Enter')
    expect(comboOf(key('Tab', { shiftKey: true }))).toBe('Shift+Tab')
    expect(comboOf(key(' '))).toBe('Space')
    expect(comboOf(key('Shift', { shiftKey: true }))).toBeNull()
  })
  it('shows combos to people', () => {
    expect(displayCombo('Mod+Shift+z')).toBe('Ctrl+Shift+Z')
    expect(displayCombo('ArrowRight')).toBe('→')
    expect(displayCombo('Mod+z', true)).toBe('⌘Z')
    expect(displayCombo('+')).toBe('+')
    expect(parseCombo('Mod++')).toEqual({ modifiers: ['Mod'], key: '+' })
  })
})

describe('bindings', () => {
  it('defaults give every action a key and no two actions share one', () => {
    const bindings = defaultBindings()
    expect(clashes(bindings)).toEqual([])
    for (const action of Object.keys(WORKSPACE_ACTIONS)) expect(bindings[action as WorkspaceAction].length).toBeGreaterThan(0)
    expect(actionFor(bindings, 'a')).toBe('accept')
    expect(actionFor(bindings, 'Mod+y')).toBe('redo')
    expect(actionFor(bindings, 'F13')).toBeNull()
  })
  it('every default combo is what comboOf produces for some key press (so each is reachable)', () => {
    for (const combos of Object.values(defaultBindings()))
      for (const combo of combos) {
        const { modifiers: parts, key: k } = parseCombo(combo)
        const event = key(k === 'Space' ? ' ' : k, {
          ctrlKey: parts.includes('Mod'),
          altKey: parts.includes('Alt'),
          shiftKey: parts.includes('Shift'),
        })
        expect(comboOf(event)).toBe(combo)
      }
  })
  it('the image rail toggles with \\ or Shift+R, keys no other workspace action uses', () => {
    const bindings = defaultBindings()
    expect(actionFor(bindings, comboOf(key('\\'))!)).toBe('toggleRail')
    expect(actionFor(bindings, comboOf(key('R', { shiftKey: true }))!)).toBe('toggleRail')
    expect(actionFor(bindings, comboOf(key('r'))!)).toBe('eraserTool')
    expect(displayCombo('\\')).toBe('\\')
  })

  it('rebinding refuses a key another action uses and accepts a free one', () => {
    const bindings = defaultBindings()
    const refused = rebind(bindings, 'accept', 'x')
    expect(refused).toEqual({ ok: false, clash: 'reject' })
    const done = rebind(bindings, 'accept', 'y')
    expect(done.ok && actionFor(done.bindings, 'y')).toBe('accept')
    expect(done.ok && actionFor(done.bindings, 'a')).toBeNull()
  })
  it('any sequence of rebinds keeps the bindings clash-free (property)', () => {
    const actions = Object.keys(WORKSPACE_ACTIONS) as WorkspaceAction[]
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...actions), fc.constantFrom('a', 'b', 'x', 'e', 'q', 'Mod+z', 'Shift+a', 'k', 'l')), {
          maxLength: 30,
        }),
        (steps) => {
          let bindings = defaultBindings()
          for (const [action, combo] of steps) {
            const result = rebind(bindings, action, combo)
            if (result.ok) bindings = result.bindings
          }
          expect(clashes(bindings)).toEqual([])
        },
      ),
    )
  })
  it('stored bindings merge over the defaults; junk and clashes fall back', () => {
    expect(mergeBindings(null)).toEqual(defaultBindings())
    expect(mergeBindings({ accept: ['y'], bogus: ['k'], reject: 'x' }).accept).toEqual(['y'])
    // Swapping two keys in storage is fine…
    const swapped = mergeBindings({ accept: ['x'], reject: ['a'] })
    expect(swapped.accept).toEqual(['x'])
    expect(swapped.reject).toEqual(['a'])
    // …but a stored key that is another action's only default is dropped.
    const clash = mergeBindings({ accept: ['m'] })
    expect(clash.accept).toEqual(['a'])
    expect(clash.toggleMasks).toEqual(['m'])
    expect(clashes(clash)).toEqual([])
    // A default with a second key gives the clashing one up instead: a key added to the defaults
    // later (the rail's Shift+R) does not take away a key the person chose before.
    const rail = defaultBindings().toggleRail
    expect(rail.length).toBeGreaterThan(1)
    const kept = mergeBindings({ eraserTool: [rail[1] as string] })
    expect(kept.eraserTool).toEqual([rail[1]])
    expect(kept.toggleRail).toEqual(rail.filter((combo) => combo !== rail[1]))
    expect(clashes(kept)).toEqual([])
  })
})
