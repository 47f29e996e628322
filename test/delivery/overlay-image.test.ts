import { describe, expect, it } from 'vitest'
import { chooseOverlayImage, listOverlayImages } from '../../actions/lib/delivery/overlay-image'

const file = 'overlays/dev/kustomization.yaml'

describe('the overlay images: entry a delivery bumps', () => {
  const payments = { name: 'ghcr.io/acme/payments' }
  const sidecar = { name: 'envoy', newName: 'ghcr.io/acme/envoy' }

  it('reads name and newName of every entry', () => {
    const text =
      'resources: [../../base]\nimages:\n  - name: ghcr.io/acme/payments # ours\n    newTag: "1"\n  - name: envoy\n    newName: ghcr.io/acme/envoy\n'
    expect(listOverlayImages(file, text)).toEqual([payments, sidecar])
  })

  it('takes the only entry', () => {
    expect(
      chooseOverlayImage({ file, entries: [payments], imageName: 'other/name', add: false }),
    ).toEqual({ name: 'ghcr.io/acme/payments', adding: false })
  })

  it('takes the entry --overlay-image names, by name or by newName', () => {
    const entries = [payments, sidecar]
    const choose = (requested: string) =>
      chooseOverlayImage({ file, entries, requested, imageName: 'acme/payments', add: false })
    expect(choose('ghcr.io/acme/envoy')).toEqual({ name: 'envoy', adding: false })
    expect(choose('ghcr.io/acme/payments')).toEqual({
      name: 'ghcr.io/acme/payments',
      adding: false,
    })
  })

  it('recognises the image among several entries by its repository path', () => {
    expect(
      chooseOverlayImage({
        file,
        entries: [sidecar, payments],
        imageName: 'acme/payments',
        add: false,
      }),
    ).toEqual({ name: 'ghcr.io/acme/payments', adding: false })
  })

  it('refuses an ambiguous overlay, listing what it found', () => {
    expect(() =>
      chooseOverlayImage({
        file,
        entries: [sidecar, payments],
        imageName: 'acme/billing',
        add: false,
      }),
    ).toThrow(
      'cannot tell which image of the overlay is acme/billing (images in overlays/dev/kustomization.yaml: envoy (newName ghcr.io/acme/envoy), ghcr.io/acme/payments); pass --overlay-image NAME',
    )
  })

  it('refuses an --overlay-image the overlay does not have, unless --add appends it', () => {
    const choice = {
      file,
      entries: [sidecar],
      requested: 'ghcr.io/acme/payments',
      imageName: 'acme/payments',
    }
    expect(() => chooseOverlayImage({ ...choice, add: false })).toThrow(
      "--overlay-image 'ghcr.io/acme/payments' is not an images: entry of the overlay (images in overlays/dev/kustomization.yaml: envoy (newName ghcr.io/acme/envoy)); name one of them, or pass --add to append it",
    )
    expect(chooseOverlayImage({ ...choice, add: true })).toEqual({
      name: 'ghcr.io/acme/payments',
      adding: true,
    })
  })

  it('refuses an overlay without entries and says how to add one', () => {
    expect(() =>
      chooseOverlayImage({ file, entries: [], imageName: 'acme/payments', add: true }),
    ).toThrow(/has no images: entry to bump; pass --overlay-image NAME --add/)
  })
})
