import type { MouseEvent, Ref } from 'react'

export interface ErrorSummaryItem {
  message: string
  /** Id of the control the message is about; the item links to it. */
  controlId?: string | undefined
}

export interface ErrorSummaryProps {
  title: string
  items: ErrorSummaryItem[]
  ref?: Ref<HTMLDivElement>
}

/**
 * Lists the problems at the top of a form. It is an assertive live region, so screen readers
 * announce it when it appears, and each item links to its control.
 */
export function ErrorSummary({ title, items, ref }: ErrorSummaryProps) {
  return (
    <div
      className="error-summary"
      ref={ref}
      role="alert"
      aria-labelledby="error-summary-title"
      tabIndex={-1}
    >
      <h2 className="error-summary-title" id="error-summary-title">
        {title}
      </h2>
      {items.length > 0 && (
        <ul className="error-summary-list">
          {items.map((item) => (
            <li key={`${item.controlId ?? ''}:${item.message}`}>
              {item.controlId ? (
                <a href={`#${item.controlId}`} onClick={focusControl(item.controlId)}>
                  {item.message}
                </a>
              ) : (
                item.message
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

// Moves focus to the control itself; a plain fragment link would only scroll to it.
function focusControl(controlId: string) {
  return (event: MouseEvent<HTMLAnchorElement>) => {
    const control = document.getElementById(controlId)
    if (control) {
      event.preventDefault()
      control.focus()
    }
  }
}
