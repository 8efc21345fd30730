// The operations of a frontend, written as one would write them for Apollo Client: what the Apollo Client suites
// send, and what the trusted-documents suite builds its persisted query manifest from, as a frontend's build would
// (`generate-persisted-query-manifest` finds each gql document in this file).
import { gql } from '@apollo/client';

export const PHASES = gql`
  query Phases {
    phases {
      name
      versioningType
      fourEyes
    }
  }
`;

export const CREATE_VERSION = gql`
  mutation CreateVersion($input: CreateVersionInput!) {
    createVersion(input: $input) {
      id
      phase
      ... on Version {
        versionNumber
        status
        createdBy {
          id
          name
        }
      }
    }
  }
`;

export const APPROVE_VERSION = gql`
  mutation ApproveVersion($phase: PhaseName!, $versionId: ID!, $notes: String) {
    approveVersion(phase: $phase, versionId: $versionId, notes: $notes) {
      id
      status
    }
  }
`;

export const VERSION_APPROVED = gql`
  subscription VersionApproved($reportId: ID!, $after: String) {
    versionApproved(phase: PLANNING, reportId: $reportId, after: $after) {
      cursor
      type
      versionId
      actor {
        id
        name
      }
      record {
        id
        ... on Version {
          status
          reviewNotes
        }
      }
    }
  }
`;

export const CURRENT_VERSION = gql`
  query CurrentVersion($cycleId: ID!, $reportId: ID!) {
    currentVersion(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) {
      id
      versionNumber
      status
    }
  }
`;

/** What the author's cache holds of a version, read without the network. */
export const VERSION_IN_CACHE = gql`
  fragment VersionInCache on Version {
    status
    reviewNotes
    versionNumber
  }
`;
