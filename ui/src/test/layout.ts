// jsdom lays nothing out. For the virtualized message list: the scroller (.messages) gets
// a 600 px viewport, every row 40 px, and a scroll position that scrollTo moves and
// reports with a scroll event on the next tick, like a browser.
import { afterAll, beforeAll, vi } from "vitest";

export const ROW = 40;
export const VIEWPORT = 600;

const isScroller = (el: Element) => el.classList.contains("messages");
const canvasHeight = (el: Element) =>
  parseFloat((el.querySelector(".messages-canvas") as HTMLElement | null)?.style.height ?? "0") ||
  0;

/** Installs the fake layout for the tests of the calling file. */
export function installFakeLayout(): void {
  const restore: [object, string, PropertyDescriptor | undefined][] = [];
  const positions = new WeakMap<Element, number>();
  function stub(proto: object, name: string, descriptor: PropertyDescriptor) {
    restore.push([proto, name, Object.getOwnPropertyDescriptor(proto, name)]);
    Object.defineProperty(proto, name, { configurable: true, ...descriptor });
  }

  beforeAll(() => {
    // Rows are measured when a ResizeObserver reports them (here never: the estimates
    // stand), as in a browser, not synchronously while React commits.
    vi.stubGlobal(
      "ResizeObserver",
      class {
        observe() {}
        unobserve() {}
        disconnect() {}
      },
    );
    stub(HTMLElement.prototype, "clientHeight", {
      get(this: HTMLElement) {
        return isScroller(this) ? VIEWPORT : 0;
      },
    });
    stub(HTMLElement.prototype, "clientWidth", {
      get(this: HTMLElement) {
        return isScroller(this) ? 400 : 0;
      },
    });
    stub(HTMLElement.prototype, "offsetHeight", {
      get(this: HTMLElement) {
        return this.classList.contains("timeline-item") ? ROW : 0;
      },
    });
    stub(HTMLElement.prototype, "scrollHeight", {
      get(this: HTMLElement) {
        return isScroller(this) ? Math.max(VIEWPORT, canvasHeight(this)) : 0;
      },
    });
    stub(HTMLElement.prototype, "scrollTop", {
      get(this: HTMLElement) {
        return positions.get(this) ?? 0;
      },
      set(this: HTMLElement, value: number) {
        const max = Math.max(0, this.scrollHeight - VIEWPORT);
        positions.set(this, Math.max(0, Math.min(value, max)));
      },
    });
    stub(HTMLElement.prototype, "scrollTo", {
      value(this: HTMLElement, options: ScrollToOptions) {
        this.scrollTop = options.top ?? this.scrollTop;
        setTimeout(() => this.dispatchEvent(new Event("scroll")), 0);
      },
    });
  });

  afterAll(() => {
    vi.unstubAllGlobals();
    for (const [proto, name, descriptor] of restore.reverse()) {
      if (descriptor) Object.defineProperty(proto, name, descriptor);
      else delete (proto as Record<string, unknown>)[name];
    }
  });
}
