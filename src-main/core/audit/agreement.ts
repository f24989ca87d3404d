/**
 * Inter-annotator agreement: on every image where two or more people have accepted masks of their
 * own (a person's masks = accepted masks whose actor is that person, e.g. both annotators' work
 * kept when their bundles are merged; the proposal generator 'tessera' and gold masks excluded),
 * each pair of people's masks is matched one-to-one by IoU (matching.ts). Per image and pair:
 * mean matched IoU and F1 at 0.5 and 0.75; per pair of people the same, micro-averaged
 * (F1 = 2·ΣTP / (ΣA + ΣB); mean IoU over every matched pair).
 */
import type { AgreementImage, AgreementPair, AgreementReport, AgreementScores } from '../../../src-preload/contract/audit'
import type { CompressedRle } from '../masks'
import type { ProjectDb } from '../project/database'
import { SYSTEM_ACTOR } from '../project/image-repository'
import { notGold } from './audit-store'
import { greedyMatch, iouMatrix, meanIou, truePositives, type MaskMatch } from './matching'

const IMAGE_LIMIT = 500

export function agreementScores(matches: readonly MaskMatch[], masksA: number, masksB: number): AgreementScores {
  const f1 = (t: number) => (masksA + masksB === 0 ? null : (2 * truePositives(matches, t)) / (masksA + masksB))
  return { masksA, masksB, matched: matches.length, meanMatchedIou: meanIou(matches), f1At50: f1(0.5), f1At75: f1(0.75) }
}

export function computeAgreement(db: ProjectDb): AgreementReport {
  const candidates = db
    .prepare(
      `SELECT m.image_id AS id FROM masks m WHERE m.state = 'accepted' AND m.actor <> ? AND ${notGold('m')}
       GROUP BY m.image_id HAVING count(DISTINCT m.actor) >= 2 ORDER BY m.image_id`,
    )
    .pluck()
    .all(SYSTEM_ACTOR) as number[]
  const imageRow = db.prepare('SELECT rel_path AS relPath, annotation_height AS h, annotation_width AS w FROM images WHERE id = ?')
  const masksOf = db.prepare(
    `SELECT m.actor, m.rle_counts AS counts FROM masks m WHERE m.image_id = ? AND m.state = 'accepted' AND m.actor <> ? AND ${notGold('m')} ORDER BY m.id`,
  )
  const images: AgreementImage[] = []
  const pairs = new Map<
    string,
    { personA: string; personB: string; images: number; masksA: number; masksB: number; matches: MaskMatch[] }
  >()
  for (const imageId of candidates) {
    const image = imageRow.get(imageId) as { relPath: string; h: number; w: number }
    const byActor = new Map<string, CompressedRle[]>()
    for (const row of masksOf.all(imageId, SYSTEM_ACTOR) as { actor: string; counts: string }[]) {
      const list = byActor.get(row.actor) ?? []
      list.push({ size: [image.h, image.w], counts: row.counts })
      byActor.set(row.actor, list)
    }
    const people = [...byActor.keys()].sort()
    for (let i = 0; i < people.length; i++)
      for (let j = i + 1; j < people.length; j++) {
        const personA = people[i] as string
        const personB = people[j] as string
        const a = byActor.get(personA) as CompressedRle[]
        const b = byActor.get(personB) as CompressedRle[]
        const matches = greedyMatch(iouMatrix(a, b))
        images.push({ imageId, relPath: image.relPath, personA, personB, ...agreementScores(matches, a.length, b.length) })
        const key = `${personA}\u0000${personB}`
        const pair = pairs.get(key) ?? { personA, personB, images: 0, masksA: 0, masksB: 0, matches: [] }
        pair.images++
        pair.masksA += a.length
        pair.masksB += b.length
        pair.matches.push(...matches)
        pairs.set(key, pair)
      }
  }
  images.sort((x, y) => (x.f1At50 ?? 0) - (y.f1At50 ?? 0) || x.imageId - y.imageId)
  const pairList: AgreementPair[] = [...pairs.values()].map((pair) => ({
    personA: pair.personA,
    personB: pair.personB,
    images: pair.images,
    ...agreementScores(pair.matches, pair.masksA, pair.masksB),
  }))
  return { pairs: pairList, images: images.slice(0, IMAGE_LIMIT), imagesCompared: candidates.length }
}
