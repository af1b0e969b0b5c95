import * as React from "react";

import { ErrorMessage } from "@/components/ui/error-message";

type Props = { children: React.ReactNode; title?: string };
type State = { error: unknown };

/**
 * Contains a render crash to one panel (a wizard step, a table) so the rest of the page and the
 * navigation keep working; "Try again" re-renders the panel.
 */
export class ErrorBoundary extends React.Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  render() {
    if (this.state.error !== null) {
      return (
        <ErrorMessage
          error={this.state.error}
          title={this.props.title ?? "This part of the page failed"}
          onRetry={() => this.setState({ error: null })}
        />
      );
    }
    return this.props.children;
  }
}
